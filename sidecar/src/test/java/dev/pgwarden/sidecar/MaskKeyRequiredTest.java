package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.testkit.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A policy that hashes masked columns needs a secret key: without one the sidecar refuses to
 * start (hashes without a key could be looked up by anyone), and says what is missing.
 */
@Timeout(60)
class MaskKeyRequiredTest {
    @TempDir
    Path dir;

    private int run(String... extra) throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.yaml"), """
        apiVersion: pgwarden.dev/v1alpha1
        kind: DatabaseAccessPolicy
        metadata: {name: hashes}
        spec:
          access: {mode: ReadOnly}
          masking:
            - columns: [public.customers.email]
              strategy: hash
        """);
        TestPostgres pg = TestPostgres.shared();
        String[] base = {
            "--policy",
            policy.toString(),
            "--upstream",
            "postgresql://" + TestPostgres.SCRAM_USER + "@" + pg.host() + ":" + pg.port() + "/" + TestPostgres.DATABASE
                    + "?sslmode=disable",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--approvals",
            "none",
            "--spool-dir",
            dir.resolve("spool").toString(),
            "--audit-key-file",
            Files.write(dir.resolve("audit.key"), new byte[32]).toString()
        };
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return new CommandLine(new SidecarMain())
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }

    private final StringWriter err = new StringWriter();

    @Test
    void aHashingPolicyWithoutAMaskKeyDoesNotStart() throws Exception {
        int exit = run();
        assertThat(exit).as("exit code").isNotZero();
        assertThat(err.toString()).contains("the policy hashes masked columns, and hashing needs a secret key");
    }

    @Test
    void aShortMaskKeyIsNoKey() throws Exception {
        Path shortKey = Files.write(dir.resolve("mask.key"), new byte[] {1, 2, 3});
        int exit = run("--mask-key-file", shortKey.toString());
        assertThat(exit).as("exit code").isNotZero();
        assertThat(err.toString()).contains("holds 3 bytes: it must hold at least 32 random bytes");
    }
}

package dev.pgwarden.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** libpq's psql through the proxy. psql is required, not optional: .ci/run installs it (postgresql-client). */
class PsqlTest {
    private static ProxyFixture f;

    @BeforeAll
    static void start() {
        assertThat(onPath("psql"))
                .as("psql is on the PATH (apt-get install postgresql-client; .ci/run does)")
                .isTrue();
        f = new ProxyFixture();
    }

    @AfterAll
    static void stop() {
        if (f != null) {
            f.close();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private record Result(int exit, String out, String err) {}

    private Result psql(String sslmode, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                "psql",
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "postgresql://agent@127.0.0.1:" + f.port() + "/app?sslmode=" + sslmode));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PGPASSWORD", f.token());
        Process p = pb.start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(
                p.exitValue(),
                new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void queriesWithSslPreferredFallBackToPlain() throws Exception {
        Result r = psql("prefer", null, "-c", "select 'via psql', 6 * 7");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("via psql|42");
    }

    @Test
    void copyFromStdinAndToStdout() throws Exception {
        Result setup =
                psql("disable", null, "-c", "create table if not exists psql_copy(a int, b text); truncate psql_copy");
        assertThat(setup.exit()).as(setup.err()).isZero();
        Result in = psql("disable", "1\tone\n2\ttwo\n", "-c", "\\copy psql_copy from stdin");
        assertThat(in.exit()).as(in.err()).isZero();
        Result out = psql("disable", null, "-c", "\\copy (select * from psql_copy order by a) to stdout");
        assertThat(out.out()).isEqualTo("1\tone\n2\ttwo\n");
    }

    @Test
    void aBadTokenIsExplainedToThePsqlUser() throws Exception {
        ProcessBuilder pb =
                new ProcessBuilder("psql", "-X", "postgresql://agent@127.0.0.1:" + f.port() + "/app", "-c", "select 1");
        pb.environment().put("PGPASSWORD", "not-a-token");
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err).contains("FATAL:  pgwarden: the password is not a valid JWT");
    }

    @Test
    void requiringSslFromAPlainListenerFailsClearly() throws Exception {
        Result r = psql("require", null, "-c", "select 1");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("server does not support SSL");
    }
}

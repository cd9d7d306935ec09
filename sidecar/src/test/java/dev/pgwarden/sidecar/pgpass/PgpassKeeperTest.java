package dev.pgwarden.sidecar.pgpass;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.KubeletVolume;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pgpass file follows the projected token as the kubelet replaces it. */
class PgpassKeeperTest {
    private static final InetSocketAddress PROXY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5432);

    @TempDir
    Path tokens;

    @TempDir
    Path shared;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

    private String log() {
        return logged.toString(StandardCharsets.UTF_8);
    }

    @Test
    void followsTheTokenTheKubeletRenews() throws Exception {
        KubeletVolume volume = new KubeletVolume(tokens);
        volume.publish(Map.of("token", "first.token.sig\n"));
        Path file = shared.resolve("pgpass");
        PgpassKeeper keeper = new PgpassKeeper(file, PROXY, PgpassKeeper.tokenFile(tokens.resolve("token")), log);

        keeper.refresh();
        assertThat(Files.readString(file))
                .isEqualTo("127.0.0.1:5432:*:*:first.token.sig\nlocalhost:5432:*:*:first.token.sig\n");

        volume.publish(Map.of("token", "second.token.sig"));
        keeper.refresh();
        assertThat(Files.readString(file)).contains(":second.token.sig\n").doesNotContain("first");
    }

    @Test
    void anUnchangedTokenIsNotWrittenAgain() throws Exception {
        Files.writeString(tokens.resolve("token"), "same");
        Path file = shared.resolve("pgpass");
        PgpassKeeper keeper = new PgpassKeeper(file, PROXY, PgpassKeeper.tokenFile(tokens.resolve("token")), log);
        keeper.refresh();
        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(file, old);

        keeper.refresh();

        assertThat(Files.getLastModifiedTime(file)).isEqualTo(old);
    }

    /** A missing or unreadable token leaves the last good file in place, and says so once. */
    @Test
    void keepsThePreviousFileWhileTheTokenCannotBeRead() throws Exception {
        Path token = tokens.resolve("token");
        Files.writeString(token, "good.token");
        Path file = shared.resolve("pgpass");
        AtomicInteger polls = new AtomicInteger();
        PgpassKeeper keeper = new PgpassKeeper(
                file,
                PROXY,
                () -> {
                    polls.incrementAndGet();
                    return PgpassKeeper.tokenFile(token).current();
                },
                log);
        keeper.refresh();

        Files.delete(token);
        keeper.refresh();
        keeper.refresh();

        assertThat(polls).hasValue(3);
        assertThat(Files.readString(file)).contains(":good.token\n");
        assertThat(log().lines().filter(l -> l.contains("cannot update password file")))
                .hasSize(1);
        assertThat(log()).contains("NoSuchFileException").contains(token.toString());

        Files.writeString(token, "next.token");
        keeper.refresh();
        assertThat(Files.readString(file)).contains(":next.token\n");
        assertThat(log()).contains("is current again");
    }

    @Test
    void aTokenWithALineBreakInsideIsNeverWrittenOrLogged() throws Exception {
        Path file = shared.resolve("pgpass");
        PgpassKeeper keeper = new PgpassKeeper(file, PROXY, () -> "sneaky\n*:*:*:*:other", log);

        keeper.refresh();

        assertThat(file).doesNotExist();
        assertThat(log()).contains("line break").doesNotContain("sneaky").doesNotContain("other");
    }

    @Test
    void startWritesAtOnceAndKeepsPolling() throws Exception {
        Path token = tokens.resolve("token");
        Files.writeString(token, "one");
        Path file = shared.resolve("pgpass");
        try (PgpassKeeper keeper =
                PgpassKeeper.start(file, PROXY, PgpassKeeper.tokenFile(token), java.time.Duration.ofMillis(20), log)) {
            assertThat(Files.readString(file)).contains(":one\n");
            Files.writeString(token, "two");
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(file).contains(":two\n") && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(Files.readString(file)).contains(":two\n");
        }
    }
}

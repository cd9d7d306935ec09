package dev.pgwarden.sidecar.pgpass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgpassFileTest {
    @TempDir
    Path dir;

    @Test
    void namesTheProxysAddressAndLocalhostWithAnyDatabaseAndUser() throws Exception {
        String text =
                PgpassFile.content(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 6543), "eyJ.a-b_c.d");

        assertThat(text).isEqualTo("127.0.0.1:6543:*:*:eyJ.a-b_c.d\nlocalhost:6543:*:*:eyJ.a-b_c.d\n");
    }

    @Test
    void aWildcardListenAddressIsReachedThroughLoopback() throws Exception {
        assertThat(PgpassFile.hosts(InetAddress.getByName("0.0.0.0"))).containsExactly("127.0.0.1", "localhost");
        assertThat(PgpassFile.hosts(InetAddress.getByName("::1"))).containsExactly("::1", "localhost");
        assertThat(PgpassFile.hosts(InetAddress.getByName("10.1.2.3"))).containsExactly("10.1.2.3");
    }

    /** libpq reads {@code \:} as a colon and {@code \\} as a backslash inside a field. */
    @Test
    void escapesColonsAndBackslashes() {
        assertThat(PgpassFile.line("::1", 5432, "*", "*", "a:b\\c")).isEqualTo("\\:\\:1:5432:*:*:a\\:b\\\\c");
        assertThat(PgpassFile.escape("\\:")).isEqualTo("\\\\\\:");
    }

    @Test
    void refusesATokenThatWouldStartAnotherLine() {
        InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), 5432);
        assertThatThrownBy(() -> PgpassFile.content(proxy, "good\n*:*:*:*:evil"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("evil");
        assertThatThrownBy(() -> PgpassFile.content(proxy, "good\r")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writesAFileOnlyItsOwnerCanRead() throws Exception {
        Path file = dir.resolve("pgpass");

        PgpassFile.write(file, "127.0.0.1:5432:*:*:one\n");

        assertThat(Files.readString(file)).isEqualTo("127.0.0.1:5432:*:*:one\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    /** A file someone loosened is replaced by a new one, not rewritten in place with its old mode. */
    @Test
    void replacesTheOldFileWholeAndLeavesNoTemporaryFileBehind() throws Exception {
        Path file = dir.resolve("pgpass");
        Files.writeString(file, "a much longer line than the next content will be\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        PgpassFile.write(file, "x\n");

        assertThat(Files.readString(file)).isEqualTo("x\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).isEqualTo(List.of("pgpass"));
        }
    }
}

package dev.pgwarden.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The detector finds each transformed form a leak takes, and nothing in masked output. */
class SecretDetectorTest {
    private final SecretDetector detector = SecretDetector.of(List.of("alice.secret@example.com", "123-45-6789"));

    private String how(String text) {
        return detector.find(text).map(SecretDetector.Form::how).orElse(null);
    }

    @Test
    void findsEveryTransformedForm() throws Exception {
        String email = "alice.secret@example.com";
        byte[] utf8 = email.getBytes(StandardCharsets.UTF_8);
        assertThat(how("row: " + email)).isEqualTo("as is");
        assertThat(how("ALICE.SECRET@EXAMPLE.COM")).isEqualTo("as is");
        assertThat(how("AlIcE.SeCrEt@ExAmPlE.cOm")).isEqualTo("as is");
        assertThat(how("moc.elpmaxe@terces.ecila")).isEqualTo("reversed");
        assertThat(how("\\x" + HexFormat.of().formatHex(utf8))).isEqualTo("hex");
        assertThat(how(HexFormat.of().formatHex(utf8).toUpperCase())).isEqualTo("hex");
        assertThat(how(Base64.getEncoder().encodeToString(utf8))).isEqualTo("base64");
        assertThat(how(Base64.getEncoder()
                        .encodeToString(("{\"e\":\"" + email + "\"}").getBytes(StandardCharsets.UTF_8))))
                .as("base64 of a value framed by other bytes")
                .isEqualTo("base64");
        assertThat(how(Base64.getEncoder().encodeToString(("x" + email).getBytes(StandardCharsets.UTF_8))))
                .isEqualTo("base64");
        assertThat(how(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(utf8))))
                .isEqualTo("md5");
        assertThat(how(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(utf8))))
                .isEqualTo("sha256");
        assertThat(how("ssn 123456789")).isEqualTo("digits");
        assertThat(how("9876-54-321")).isEqualTo("reversed");
    }

    @Test
    void findsNothingInMaskedValues() {
        for (String masked : List.of(
                "****@example.com",
                "[redacted]",
                "hmac:9f1c0e7a2b4d6f8e0a1c3e5b",
                "****6789",
                "\"[redacted]\"",
                "alice",
                "example.com",
                "12345")) {
            assertThat(detector.find(masked)).as(masked).isEmpty();
        }
        detector.assertAbsent("masked", "****@example.com [redacted]");
    }

    @Test
    void assertAbsentSaysWhatLeakedAndHow() {
        assertThatThrownBy(() -> detector.assertAbsent("upper(email)", "ALICE.SECRET@EXAMPLE.COM"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("leaked alice.secret@example.com (as is");
    }
}

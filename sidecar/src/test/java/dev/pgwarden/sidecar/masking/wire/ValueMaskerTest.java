package dev.pgwarden.sidecar.masking.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.api.v1alpha1.MaskStrategy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each strategy on each kind of type, in text and binary format. */
class ValueMaskerTest {
    private final ValueMasker masker = new ValueMasker(new byte[32]);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "alice@example.com | ****@example.com",
                "a@b@c.example | ****@c.example",
                "123-45-6789 | ****6789",
                "4111111111111111 | ****1111",
                "short | ****",
                "@leading | ****",
                "trailing@ | ****",
                "Zoë Ångström-Ñuñez | ****uñez",
                "日本語のテキストです長い | ****です長い",
            })
    void partialKeepsADocumentedSmallPart(String value, String masked) {
        assertThat(text(ValueMasker.partialUtf8(utf8(value)))).isEqualTo(masked);
        assertThat(ValueMasker.partialText(value)).isEqualTo(masked);
    }

    @Test
    void partialOnBytesAgreesWithPartialOnText() {
        for (String v : new String[] {"alice@example.com", "123-45-6789", "Zoë Ångström-Ñuñez", "abc", "x@y"}) {
            assertThat(text(ValueMasker.partialUtf8(utf8(v)))).isEqualTo(ValueMasker.partialText(v));
        }
    }

    @Test
    void redactIsAMarkerWhereTheTypeTakesTextAndNullElsewhere() {
        assertThat(text(masker.mask(MaskStrategy.REDACT, ValueMasker.TEXT, false, null)))
                .isEqualTo("[redacted]");
        assertThat(text(masker.mask(MaskStrategy.REDACT, ValueMasker.VARCHAR, true, null)))
                .isEqualTo("[redacted]");
        assertThat(text(masker.mask(MaskStrategy.REDACT, ValueMasker.JSON, false, null)))
                .isEqualTo("\"[redacted]\"");
        byte[] jsonb = masker.mask(MaskStrategy.REDACT, ValueMasker.JSONB, true, null);
        assertThat(jsonb[0]).isEqualTo((byte) 1);
        assertThat(masker.mask(MaskStrategy.REDACT, ValueMasker.INT8, false, utf8("42")))
                .isNull();
        assertThat(masker.mask(MaskStrategy.PARTIAL, ValueMasker.INT4, false, utf8("42")))
                .isNull();
        assertThat(masker.mask(MaskStrategy.NULL, ValueMasker.TEXT, false, utf8("x")))
                .isNull();
    }

    @Test
    void hashIsDeterministicKeyedAndAgreesBetweenFormats() {
        byte[] textHash = masker.mask(MaskStrategy.HASH, ValueMasker.INT8, false, utf8("15551234567"));
        byte[] binaryHash = masker.mask(
                MaskStrategy.HASH,
                ValueMasker.INT8,
                true,
                ByteBuffer.allocate(8).putLong(15551234567L).array());
        assertThat(Long.parseLong(text(textHash)))
                .isEqualTo(ByteBuffer.wrap(binaryHash).getLong());
        assertThat(text(masker.mask(MaskStrategy.HASH, ValueMasker.TEXT, false, utf8("x"))))
                .isEqualTo(text(masker.mask(MaskStrategy.HASH, ValueMasker.TEXT, false, utf8("x"))))
                .matches("hmac:[0-9a-f]{24}");
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        assertThat(text(new ValueMasker(otherKey).mask(MaskStrategy.HASH, ValueMasker.TEXT, false, utf8("x"))))
                .isNotEqualTo(text(masker.mask(MaskStrategy.HASH, ValueMasker.TEXT, false, utf8("x"))));
        assertThat(masker.mask(MaskStrategy.HASH, ValueMasker.UUID_TYPE, true, new byte[16]))
                .hasSize(16);
        assertThat(new ValueMasker(null).mask(MaskStrategy.HASH, ValueMasker.TEXT, false, utf8("x")))
                .as("no key: hash fails closed to NULL")
                .isNull();
    }
}

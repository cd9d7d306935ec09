package dev.pgwarden.database.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MaskingSchemasTest {
    @Test
    void namesStartWithTheGroupAndDifferBySourceSchema() {
        String group = "pgw_agents_analytics_1a2b3c4d";
        assertThat(MaskingSchemas.viewSchema(group, "public"))
                .matches("pgw_agents_analytics_1a2b3c4d_[0-9a-f]{8}")
                .isEqualTo(MaskingSchemas.viewSchema(group, "public"))
                .isNotEqualTo(MaskingSchemas.viewSchema(group, "Public"))
                .isNotEqualTo(MaskingSchemas.viewSchema("pgw_other_5e6f7a8b", "public"));
        assertThat(MaskingSchemas.functionSchema(group)).isEqualTo("pgw_agents_analytics_1a2b3c4d_mask");
    }

    /** A view schema's suffix is eight hex digits, so no source schema's name gives the function schema's. */
    @Test
    void theFunctionSchemaIsNeverAViewSchema() {
        for (String source : new String[] {"mask", "public", "_mask", ""}) {
            assertThat(MaskingSchemas.viewSchema("g", source)).isNotEqualTo(MaskingSchemas.functionSchema("g"));
        }
    }

    @Test
    void namesFitPostgresqlsSixtyThreeBytesAtACharacterBoundary() {
        String longGroup = "pgw_" + "ü".repeat(40);
        String view = MaskingSchemas.viewSchema(longGroup, "a schema with a long name of its own, well past the limit");
        String functions = MaskingSchemas.functionSchema(longGroup);
        assertThat(view.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(63);
        assertThat(functions.getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(63);
        assertThat(view).startsWith("pgw_üüü").matches(".*ü_[0-9a-f]{8}");
        assertThat(functions).endsWith("ü_mask");
    }

    @Test
    void aKeyNeverShowsItsBytes() {
        MaskKey key = MaskKey.derive("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8), "ns/p");
        assertThat(key).hasToString("MaskKey[hidden]");
        assertThat(new MaskingPolicy(
                                "g",
                                dev.pgwarden.api.v1alpha1.AccessMode.ReadOnly,
                                java.util.List.of("public"),
                                java.util.List.of(),
                                java.util.Optional.of(key))
                        .toString())
                .doesNotContain(java.util.HexFormat.of().formatHex(key.ipad()));
    }
}

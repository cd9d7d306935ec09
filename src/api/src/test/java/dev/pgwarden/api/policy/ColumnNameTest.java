package dev.pgwarden.api.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How a masking rule names a column, for the proxy and the database alike. */
class ColumnNameTest {
    @Test
    void twoPartsAreInPublicAndQuotedPartsMayHoldDotsAndQuotes() {
        assertThat(ColumnName.parse("customers.email")).isEqualTo(new ColumnName("public", "customers", "email"));
        assertThat(ColumnName.parse("crm.\"Leads\".\"E.Mail\"")).isEqualTo(new ColumnName("crm", "Leads", "E.Mail"));
        assertThat(ColumnName.parse("crm.\"say \"\"hi\"\"\".x")).isEqualTo(new ColumnName("crm", "say \"hi\"", "x"));
        assertThat(ColumnName.parse("public.Customers.email"))
                .as("compared as stored, not folded")
                .isEqualTo(new ColumnName("public", "Customers", "email"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"just_a_column", "a.b.c.d", "a..c", ".b.c", "a.\"b.c", ""})
    void anythingElseIsRefused(String spec) {
        assertThatThrownBy(() -> ColumnName.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be schema.table.column or table.column");
    }
}

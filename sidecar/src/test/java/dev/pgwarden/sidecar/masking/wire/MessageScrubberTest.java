package dev.pgwarden.sidecar.masking.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.message.ErrorFields;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What is left of the server's errors about statements that read masked columns. */
class MessageScrubberTest {
    private static final Set<String> NAMES = Set.of("select", "email", "from", "customers", "int");

    @Test
    void quotedValuesGoQuotedNamesOfTheStatementStay() {
        assertThat(MessageScrubber.redactQuoted("invalid input syntax for type integer: \"alice@example.com\"", NAMES))
                .isEqualTo("invalid input syntax for type integer: \"[redacted]\"");
        assertThat(MessageScrubber.redactQuoted("column \"emial\" does not exist", Set.of("emial")))
                .isEqualTo("column \"emial\" does not exist");
        assertThat(MessageScrubber.redactQuoted("relation \"customers.email\" x \"unterminated", NAMES))
                .isEqualTo("relation \"customers.email\" x \"[redacted]\"");
    }

    @Test
    void bareValuesGoWhateverTheStatementHolds() {
        Set<String> names = Set.of("make_date", "t", "x", "t1234", "2000-13-12");
        assertThat(MessageScrubber.redactUnquoted("date field value out of range: 2000-13-123456789", names))
                .isEqualTo("date field value out of range: [redacted]");
        // A value the statement lists (in a comment, a literal or even as a name without letters) still goes.
        assertThat(MessageScrubber.redactUnquoted("date field value out of range: 2000-13-12", names))
                .isEqualTo("date field value out of range: [redacted]");
        assertThat(MessageScrubber.redactUnquoted("index 12 out of valid range, 0..-1", names))
                .isEqualTo("index [redacted] out of valid range, [redacted]");
        assertThat(MessageScrubber.redactUnquoted("value too long for type character varying(20)", names))
                .isEqualTo("value too long for type character varying([redacted])");
        assertThat(MessageScrubber.redactUnquoted("mail alice@example.org rejected", names))
                .isEqualTo("mail [redacted] rejected");
        assertThat(MessageScrubber.redactUnquoted("table t1234 has no column", names))
                .isEqualTo("table t1234 has no column");
    }

    @Test
    void whatFollowsTheColonGoesHoweverItIsSpelt() {
        Set<String> names = Set.of("bcd", "ef", "ghij", "alice");
        assertThat(MessageScrubber.redactUnquoted("operator does not exist: bcd-ef-ghij(int,int)", names))
                .isEqualTo("operator does not exist: [redacted]([redacted],[redacted])");
        assertThat(MessageScrubber.redactUnquoted(
                        "cross-database references are not implemented: alice.secret#example.com", names))
                .isEqualTo("cross-database references are not implemented: [redacted]");
        assertThat(MessageScrubber.redactUnquoted("improper relation name (too many dotted names): a.b.c.d", names))
                .isEqualTo("improper relation name (too many dotted names): [redacted]");
        // A quoted name of the statement stays where it is; a colon inside quotes opens nothing.
        assertThat(MessageScrubber.redactUnquoted("column \"a:b\" does not exist", names))
                .isEqualTo("column \"a:b\" does not exist");
    }

    @Test
    void detailContextAndInternalQueryAreWithheldTheSqlstateKept() {
        ByteBuf error = Messages.report(
                ByteBufAllocator.DEFAULT,
                ProtocolCodes.ERROR_RESPONSE,
                "ERROR",
                "23505",
                "duplicate key value violates unique constraint \"customers_email_key\"",
                "Key (email)=(alice@example.com) already exists.",
                null);
        ByteBuf scrubbed = MessageScrubber.scrub(error, NAMES, false, ByteBufAllocator.DEFAULT);
        try {
            ErrorFields e = ErrorFields.read(scrubbed.slice(5, scrubbed.readableBytes() - 5));
            assertThat(e.sqlState()).isEqualTo("23505");
            String all = scrubbed.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(all)
                    .doesNotContain("alice")
                    .contains(MessageScrubber.WITHHELD)
                    .contains("[redacted]");
            assertThat(scrubbed.getInt(1)).isEqualTo(scrubbed.readableBytes() - 1);
        } finally {
            error.release();
            scrubbed.release();
        }
    }

    @Test
    void codeMessagesAreWithheldWhole() {
        ByteBuf notice = Messages.report(
                ByteBufAllocator.DEFAULT,
                ProtocolCodes.NOTICE_RESPONSE,
                "NOTICE",
                "00000",
                "value is alice@example.com",
                null,
                null);
        ByteBuf scrubbed = MessageScrubber.scrub(notice, NAMES, true, ByteBufAllocator.DEFAULT);
        try {
            assertThat(scrubbed.toString(java.nio.charset.StandardCharsets.UTF_8))
                    .doesNotContain("alice")
                    .contains(MessageScrubber.WITHHELD_MESSAGE);
        } finally {
            notice.release();
            scrubbed.release();
        }
    }
}

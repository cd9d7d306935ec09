package dev.pgwarden.sidecar.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgwarden.sidecar.audit.AuditEvent;
import dev.pgwarden.sidecar.audit.AuditSink;
import dev.pgwarden.sidecar.exchange.Exchange;
import dev.pgwarden.sidecar.exchange.HiddenResult;
import dev.pgwarden.sidecar.exchange.ResultMasking;
import dev.pgwarden.sidecar.exchange.SessionAudit;
import dev.pgwarden.sidecar.exchange.SessionObjects;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.protocol.Frames;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A row of pgwarden's own count that the server's answer splits across reads (anywhere: inside
 * the header, between columns, inside a value) is read whole, as the row that came in one piece
 * would be; and nothing of it is left behind for the next row.
 */
class HiddenRowGatherTest {
    private final ByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
    private final List<AuditEvent> audit = new ArrayList<>();
    private final Exchange x = new Exchange(
            new SessionAudit(
                    new AuditSink() {
                        @Override
                        public void emit(AuditEvent event) {
                            audit.add(event);
                        }

                        @Override
                        public void close() {}
                    },
                    new ProxyMetrics(new SimpleMeterRegistry()),
                    "s-1",
                    "tester",
                    "p",
                    "app"),
            new SessionObjects(),
            new ResultMasking(MaskingEngine.disabled(), alloc),
            alloc);

    private void server(byte[] frame) {
        PgMessage m = Frames.message(frame);
        x.fromServer(m, null);
        m.frame().release();
    }

    /** Feeds {@code frame} to the gather in pieces cut at {@code cuts}, then ends the hidden query. */
    private HiddenResult countIn(HiddenRowGather gather, byte[] frame, int... cuts) {
        HiddenResult[] result = {null};
        x.hidden(false, r -> result[0] = r);
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : frame.length;
            ByteBuf piece = Unpooled.copiedBuffer(frame, from, to - from);
            gather.add(new RelayChunk(ProtocolCodes.DATA_ROW, piece, i == cuts.length), x, alloc);
            from = to;
        }
        server(Frames.commandComplete("SELECT 1"));
        server(Frames.readyForQuery('T'));
        return result[0];
    }

    @ParameterizedTest(name = "cut at {0} and {1}")
    @CsvSource({"1, 3", "5, 7", "9, 20", "12, 13", "2, 30"})
    void aCountSplitAcrossReadsIsReadWhole(int first, int second) {
        HiddenRowGather gather = new HiddenRowGather();
        byte[] row = Frames.dataRow("12345", "7", "16411", "16385,16411");
        assertThat(second).isLessThan(row.length);
        HiddenResult r = countIn(gather, row, first, second);
        assertThat(r).isNotNull();
        assertThat(r.failed()).isFalse();
        assertThat(r.firstValues()).containsExactly("12345", "7", "16411", "16385,16411");

        // The next count, in one piece, is read on its own: nothing of the first is left over.
        HiddenResult next = countIn(gather, Frames.dataRow("3", "7", "16411", null));
        assertThat(next.firstValues()).containsExactly("3", "7", "16411", null);
    }
}

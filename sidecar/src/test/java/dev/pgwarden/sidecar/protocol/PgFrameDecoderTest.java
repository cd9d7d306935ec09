package dev.pgwarden.sidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgFrameDecoderTest {
    private static final FrameLimits QUERY_CAPPED = type -> type == 'Q' ? 100 : -1;

    private static ByteBuf typed(char type, int bodyLength) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(type).writeInt(4 + bodyLength);
        for (int i = 0; i < bodyLength; i++) {
            b.writeByte(i);
        }
        return b;
    }

    private static List<Object> drain(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    @Test
    void messagesOfOneReadComeAsOneBatchWithTheirBytesContiguous() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.backend(QUERY_CAPPED));
        ByteBuf input = Unpooled.buffer()
                .writeBytes(typed('Q', 10))
                .writeBytes(typed('D', 20))
                .writeBytes(typed('Z', 1));
        ByteBuf expected = input.copy();
        ch.writeInbound(input);
        List<Object> out = drain(ch);
        assertThat(out).hasSize(1);
        PgBatch batch = (PgBatch) out.get(0);
        assertThat(batch.messages()).extracting(PgMessage::type).containsExactly((byte) 'Q', (byte) 'D', (byte) 'Z');
        assertThat(batch.messages().get(1).body().readableBytes()).isEqualTo(20);
        assertThat(batch.bytes())
                .as("relayed bytes are exactly the received ones")
                .isEqualTo(expected);
        batch.release();
        expected.release();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void decodesWholeMessagesAcrossArbitrarySplits() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.backend(QUERY_CAPPED));
        ByteBuf all = Unpooled.buffer().writeBytes(typed('Q', 10)).writeBytes(typed('Q', 20));
        List<PgMessage> seen = new ArrayList<>();
        int relayed = 0;
        while (all.isReadable()) {
            ch.writeInbound(all.readRetainedSlice(Math.min(3, all.readableBytes())));
            for (Object o : drain(ch)) {
                PgBatch b = (PgBatch) o;
                seen.addAll(b.messages());
                relayed += b.length();
                b.release();
            }
        }
        all.release();
        assertThat(seen).extracting(PgMessage::length).containsExactly(15, 25);
        assertThat(relayed).isEqualTo(40);
    }

    @Test
    void streamsUncappedMessagesInChunksWithoutBufferingThem() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.backend(QUERY_CAPPED));
        ByteBuf big = typed('D', 1_000_000);
        int total = big.readableBytes();
        int relayed = 0;
        int chunks = 0;
        boolean sawLast = false;
        while (big.isReadable()) {
            ch.writeInbound(big.readRetainedSlice(Math.min(65536, big.readableBytes())));
            for (Object o : drain(ch)) {
                RelayChunk c = (RelayChunk) o;
                relayed += c.bytes().readableBytes();
                chunks++;
                sawLast = c.last();
                c.bytes().release();
            }
        }
        big.release();
        assertThat(relayed).isEqualTo(total);
        assertThat(chunks).isGreaterThan(10);
        assertThat(sawLast).isTrue();
        ch.writeInbound(typed('Q', 1));
        PgBatch next = (PgBatch) drain(ch).get(0);
        assertThat(next.messages().get(0).type())
                .as("framing continues after a streamed message")
                .isEqualTo((byte) 'Q');
        next.release();
    }

    @Test
    void aBatchIsEmittedBeforeAStreamThatFollowsItInTheSameRead() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.backend(QUERY_CAPPED));
        ByteBuf big = typed('D', 5000);
        ByteBuf input = Unpooled.buffer().writeBytes(typed('T', 8)).writeBytes(big, 0, 1000);
        ch.writeInbound(input);
        List<Object> out = drain(ch);
        assertThat(out).hasSize(2);
        assertThat(out.get(0)).isInstanceOf(PgBatch.class);
        assertThat(((PgBatch) out.get(0)).length()).isEqualTo(13);
        assertThat(out.get(1)).isInstanceOf(RelayChunk.class);
        assertThat(((RelayChunk) out.get(1)).bytes().readableBytes()).isEqualTo(1000);
        ((PgBatch) out.get(0)).release();
        ((RelayChunk) out.get(1)).bytes().release();
        big.release();
    }

    @Test
    void refusesOversizedDecodedMessagesBeforeTheyArrive() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.backend(QUERY_CAPPED));
        ByteBuf header = Unpooled.buffer().writeByte('Q').writeInt(1_000_000);
        assertThatThrownBy(() -> ch.writeInbound(header))
                .isInstanceOf(DecoderException.class)
                .hasCauseInstanceOf(ProtocolException.class)
                .hasMessageContaining("exceeds pgwarden's limit of 100 bytes");
    }

    @Test
    void startupPhaseEndsAfterTheStartupMessage() {
        EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.frontend(t -> 1000));
        ch.writeInbound(Unpooled.buffer().writeInt(8).writeInt(ProtocolCodes.SSL_REQUEST));
        PgMessage first = ch.readInbound();
        assertThat(first.type()).isEqualTo(PgMessage.UNTYPED);
        first.release();
        ByteBuf startup = Unpooled.buffer()
                .writeInt(9)
                .writeInt(ProtocolCodes.PROTOCOL_3_0)
                .writeByte(0);
        ch.writeInbound(startup.writeBytes(typed('p', 3)));
        PgMessage second = ch.readInbound();
        PgBatch third = ch.readInbound();
        assertThat(second.type()).isEqualTo(PgMessage.UNTYPED);
        assertThat(third.messages().get(0).type()).isEqualTo((byte) 'p');
        second.release();
        third.release();
    }
}

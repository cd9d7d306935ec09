package dev.pgwarden.sidecar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

class PgFrameDecoderTest {
  private static final FrameLimits QUERY_CAPPED = type -> type == 'Q' ? 100 : -1;

  private static ByteBuf typed(char type, int bodyLength) {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(type).writeInt(4 + bodyLength).writeZero(bodyLength);
    return b;
  }

  @Test
  void decodesWholeMessagesAcrossArbitrarySplits() {
    EmbeddedChannel ch = new EmbeddedChannel(PgFrameDecoder.backend(QUERY_CAPPED));
    ByteBuf all = Unpooled.buffer().writeBytes(typed('Q', 10)).writeBytes(typed('Q', 20));
    while (all.isReadable()) {
      ch.writeInbound(all.readRetainedSlice(Math.min(3, all.readableBytes())));
    }
    all.release();
    PgMessage a = ch.readInbound();
    PgMessage b = ch.readInbound();
    assertThat(a.type()).isEqualTo((byte) 'Q');
    assertThat(a.length()).isEqualTo(15);
    assertThat(b.body().readableBytes()).isEqualTo(20);
    a.release();
    b.release();
    assertThat(ch.finishAndReleaseAll()).isFalse();
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
      Object o;
      while ((o = ch.readInbound()) != null) {
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
    PgMessage next = ch.readInbound();
    assertThat(next.type()).as("framing continues after a streamed message").isEqualTo((byte) 'Q');
    next.release();
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
    ByteBuf ssl = Unpooled.buffer().writeInt(8).writeInt(ProtocolCodes.SSL_REQUEST);
    ch.writeInbound(ssl);
    PgMessage first = ch.readInbound();
    assertThat(first.type()).isEqualTo(PgMessage.UNTYPED);
    first.release();
    ByteBuf startup = Unpooled.buffer().writeInt(9).writeInt(ProtocolCodes.PROTOCOL_3_0).writeByte(0);
    ch.writeInbound(startup.writeBytes(typed('p', 3)));
    PgMessage second = ch.readInbound();
    PgMessage third = ch.readInbound();
    assertThat(second.type()).isEqualTo(PgMessage.UNTYPED);
    assertThat(third.type()).isEqualTo((byte) 'p');
    second.release();
    third.release();
  }
}

package dev.pgwarden.sidecar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits a byte stream into {@link PgMessage}s (types the proxy reads, size-capped) and
 * {@link RelayChunk}s (anything else that has not fully arrived). Frames are retained slices of
 * the received buffers: nothing is copied or re-encoded.
 *
 * <p>A frontend decoder starts in the startup phase, where packets carry no type byte, and leaves
 * it after the first packet that is not an SSLRequest or GSSENCRequest.
 */
public final class PgFrameDecoder extends ByteToMessageDecoder {
  private volatile FrameLimits limits;
  private boolean startupPhase;
  private byte streamingType;
  private int streamingRemaining;
  private boolean failed;

  private PgFrameDecoder(FrameLimits limits, boolean startupPhase) {
    this.limits = limits;
    this.startupPhase = startupPhase;
  }

  public static PgFrameDecoder frontend(FrameLimits limits) {
    return new PgFrameDecoder(limits, true);
  }

  public static PgFrameDecoder backend(FrameLimits limits) {
    return new PgFrameDecoder(limits, false);
  }

  /** Tightened before authentication, widened after it. */
  public void limits(FrameLimits limits) {
    this.limits = limits;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    try {
      while (in.isReadable()) {
        if (streamingRemaining > 0) {
          int n = Math.min(in.readableBytes(), streamingRemaining);
          streamingRemaining -= n;
          out.add(new RelayChunk(streamingType, in.readRetainedSlice(n), streamingRemaining == 0));
        } else if (startupPhase) {
          if (!decodeStartupPacket(in, out)) {
            return;
          }
        } else if (!decodeTyped(in, out)) {
          return;
        }
      }
    } catch (ProtocolException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }

  private boolean decodeStartupPacket(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 4) {
      return false;
    }
    int length = in.getInt(in.readerIndex());
    if (length < 8 || length > ProtocolCodes.MAX_STARTUP_LENGTH) {
      throw new ProtocolException(SqlState.PROTOCOL_VIOLATION,
          "invalid startup packet length " + length + ": this port speaks the PostgreSQL protocol, connect with a PostgreSQL client");
    }
    if (in.readableBytes() < length) {
      return false;
    }
    ByteBuf frame = in.readRetainedSlice(length);
    int code = frame.getInt(frame.readerIndex() + 4);
    if (code == ProtocolCodes.SSL_REQUEST || code == ProtocolCodes.GSSENC_REQUEST) {
      if (in.isReadable()) {
        frame.release();
        // Bytes sent before the encryption answer could be injected by a man in the middle.
        throw new ProtocolException(SqlState.PROTOCOL_VIOLATION, "received unencrypted data after an encryption request");
      }
    } else {
      startupPhase = false;
    }
    out.add(new PgMessage(PgMessage.UNTYPED, frame));
    return true;
  }

  private boolean decodeTyped(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 5) {
      return false;
    }
    int start = in.readerIndex();
    byte type = in.getByte(start);
    int length = in.getInt(start + 1);
    if (length < 4) {
      throw new ProtocolException(SqlState.PROTOCOL_VIOLATION,
          "invalid length " + length + " in message type '" + printable(type) + "'");
    }
    long total = 1L + length;
    int max = limits.maxDecodedLength(type);
    if (max >= 0 && total > max) {
      throw new ProtocolException(SqlState.PROGRAM_LIMIT_EXCEEDED, "message type '" + printable(type)
          + "' of " + total + " bytes exceeds pgwarden's limit of " + max + " bytes");
    }
    if (in.readableBytes() >= total) {
      out.add(new PgMessage(type, in.readRetainedSlice((int) total)));
      return true;
    }
    if (max >= 0) {
      return false;
    }
    int n = in.readableBytes();
    streamingType = type;
    streamingRemaining = (int) (total - n);
    out.add(new RelayChunk(type, in.readRetainedSlice(n), false));
    return true;
  }

  static String printable(byte type) {
    return type >= 0x20 && type < 0x7f ? String.valueOf((char) type) : String.format("0x%02x", type);
  }
}

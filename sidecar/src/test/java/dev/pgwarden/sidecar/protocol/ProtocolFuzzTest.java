package dev.pgwarden.sidecar.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pgwarden.sidecar.protocol.message.Bind;
import dev.pgwarden.sidecar.protocol.message.Close;
import dev.pgwarden.sidecar.protocol.message.CommandComplete;
import dev.pgwarden.sidecar.protocol.message.DataRows;
import dev.pgwarden.sidecar.protocol.message.Describe;
import dev.pgwarden.sidecar.protocol.message.ErrorFields;
import dev.pgwarden.sidecar.protocol.message.Execute;
import dev.pgwarden.sidecar.protocol.message.FunctionCall;
import dev.pgwarden.sidecar.protocol.message.NotificationResponse;
import dev.pgwarden.sidecar.protocol.message.ParameterStatus;
import dev.pgwarden.sidecar.protocol.message.Parse;
import dev.pgwarden.sidecar.protocol.message.Query;
import dev.pgwarden.sidecar.protocol.message.ReadyForQuery;
import dev.pgwarden.sidecar.protocol.message.RowDescription;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;

/**
 * Malformed input fuzzed through what reads the wire: the frame decoder (both directions, any
 * split of the bytes into reads), startup packets and every message view. The invariants:
 *
 * <ul>
 *   <li>only a {@link ProtocolException} escapes (the session turns it into an ErrorResponse with
 *       its SQLSTATE), or an {@link IndexOutOfBoundsException} from a view reading past a
 *       message's end (the gate turns that into 08P01); anything else is a bug;
 *   <li>no buffer leaks: once the decoder's output is released and the channel finished, the
 *       input buffer (which every emitted slice retains) is freed; paranoid leak detection runs too.
 * </ul>
 *
 * In CI the seeds in {@code ProtocolFuzzTestInputs} and a few seconds of fuzzing run (see the
 * sidecar's pom, execution {@code fuzz}); README says how to fuzz for hours.
 */
public class ProtocolFuzzTest {
    private static final FrameLimits BEFORE_AUTHENTICATION = type -> 64 * 1024;
    private static final FrameLimits AUTHENTICATED = type -> type == ProtocolCodes.COPY_DATA ? -1 : 1 << 20;
    private static final FrameLimits BACKEND = type -> switch (type) {
        case ProtocolCodes.DATA_ROW, ProtocolCodes.COPY_DATA, ProtocolCodes.FUNCTION_CALL_RESPONSE -> -1;
        default -> 1 << 20;
    };

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    /**
     * One target, so that one JVM fuzzes all of it (Jazzer fuzzes one test per JVM): the first byte
     * says which reader gets the rest.
     */
    @FuzzTest(maxDuration = "10s")
    void wireInput(FuzzedDataProvider data) {
        fuzzerTestOneInput(data);
    }

    /** The same target for Jazzer's own driver, for long runs (README, Fuzzing). */
    public static void fuzzerTestOneInput(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 2)) {
            case 0 -> clientBytes(data);
            case 1 -> serverBytes(data);
            default -> startupPacket(data.consumeRemainingAsBytes());
        }
    }

    private static void clientBytes(FuzzedDataProvider data) {
        PgFrameDecoder decoder = PgFrameDecoder.frontend(BEFORE_AUTHENTICATION);
        decode(new EmbeddedChannel(decoder), data, message -> {
            if (message.type() == PgMessage.UNTYPED) {
                StartupPacket.parse(message);
                decoder.limits(AUTHENTICATED); // as the session widens them after startup
            } else {
                readClientMessage(message);
            }
        });
    }

    private static void serverBytes(FuzzedDataProvider data) {
        decode(new EmbeddedChannel(PgFrameDecoder.backend(BACKEND)), data, ProtocolFuzzTest::readServerMessage);
    }

    private static void startupPacket(byte[] body) {
        ByteBuf frame =
                Unpooled.buffer(4 + body.length).writeInt(4 + body.length).writeBytes(body);
        PgMessage packet = new PgMessage(PgMessage.UNTYPED, frame);
        try {
            if (body.length >= 4) {
                StartupPacket.parse(packet);
            }
        } catch (ProtocolException expected) {
            requireSqlState(expected);
        } finally {
            frame.release();
        }
        requireFreed(frame);
    }

    private interface Reader {
        void read(PgMessage message);
    }

    private static void decode(EmbeddedChannel channel, FuzzedDataProvider data, Reader reader) {
        List<byte[]> reads = new ArrayList<>();
        while (data.remainingBytes() > 0) {
            reads.add(data.consumeBytes(1 + data.consumeInt(0, 200)));
        }
        ByteBuf input = Unpooled.buffer();
        reads.forEach(input::writeBytes);
        List<ByteBuf> chunks = new ArrayList<>();
        int at = 0;
        for (byte[] read : reads) {
            chunks.add(input.retainedSlice(at, read.length));
            at += read.length;
        }
        input.release(); // the chunks hold it now
        try {
            for (ByteBuf chunk : chunks) {
                if (!channel.isActive()) {
                    chunk.release();
                    continue;
                }
                try {
                    channel.writeInbound(chunk);
                } catch (DecoderException e) {
                    if (!(e.getCause() instanceof ProtocolException p)) {
                        throw e;
                    }
                    requireSqlState(p);
                    channel.close(); // the session ends at a protocol violation
                }
                for (Object out = channel.readInbound(); out != null; out = channel.readInbound()) {
                    try {
                        if (out instanceof PgBatch batch) {
                            batch.messages().forEach(m -> readSafely(reader, m));
                        } else if (out instanceof PgMessage m) {
                            readSafely(reader, m);
                        }
                    } finally {
                        ReferenceCountUtil.release(out);
                    }
                }
            }
        } finally {
            channel.finishAndReleaseAll();
        }
        requireFreed(input);
    }

    private static void readSafely(Reader reader, PgMessage m) {
        try {
            reader.read(m);
        } catch (ProtocolException e) {
            requireSqlState(e);
        } catch (IndexOutOfBoundsException e) {
            // Past the message's end: the gate refuses the message with 08P01.
        }
    }

    private static void readClientMessage(PgMessage m) {
        ByteBuf body = m.body();
        switch (m.type()) {
            case ProtocolCodes.QUERY -> Query.read(body);
            case ProtocolCodes.PARSE -> {
                Parse.read(body);
                Parse.sqlOf(body);
            }
            case ProtocolCodes.BIND -> {
                Bind.statementOf(body);
                Bind.read(body, statement -> new int[] {25, 17, 23, 16, 1700});
            }
            case ProtocolCodes.DESCRIBE -> Describe.read(body);
            case ProtocolCodes.CLOSE -> Close.read(body);
            case ProtocolCodes.EXECUTE -> {
                Execute.read(body);
                Execute.portalOf(body);
            }
            case ProtocolCodes.FUNCTION_CALL -> FunctionCall.read(body);
            case ProtocolCodes.PASSWORD -> CStrings.first(body);
            default -> {}
        }
    }

    private static void readServerMessage(PgMessage m) {
        ByteBuf body = m.body();
        switch (m.type()) {
            case ProtocolCodes.ROW_DESCRIPTION -> RowDescription.read(body);
            case ProtocolCodes.DATA_ROW -> DataRows.text(body);
            case ProtocolCodes.ERROR_RESPONSE, ProtocolCodes.NOTICE_RESPONSE -> {
                ErrorFields.read(body);
                ErrorFields.ofFrame(m.frame());
            }
            case ProtocolCodes.COMMAND_COMPLETE ->
                CommandComplete.rows(CommandComplete.read(body).tag());
            case ProtocolCodes.PARAMETER_STATUS -> ParameterStatus.read(body);
            case ProtocolCodes.READY_FOR_QUERY -> ReadyForQuery.read(body);
            case ProtocolCodes.NOTIFICATION -> {
                if (body.readableBytes() >= 4) {
                    NotificationResponse.withProcessId(m.frame(), 42, ByteBufAllocator.DEFAULT)
                            .release();
                }
            }
            default -> {}
        }
    }

    /** A ProtocolException becomes an ErrorResponse: it must say which SQLSTATE. */
    private static void requireSqlState(ProtocolException e) {
        if (e.sqlState() == null || e.sqlState().length() != 5) {
            throw new AssertionError("a protocol error without a SQLSTATE: " + e.getMessage(), e);
        }
    }

    private static void requireFreed(ByteBuf input) {
        if (input.refCnt() != 0) {
            throw new AssertionError("leaked: the input is still referenced " + input.refCnt() + " times");
        }
    }
}

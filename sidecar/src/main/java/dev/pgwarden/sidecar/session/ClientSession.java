package dev.pgwarden.sidecar.session;

import dev.pgwarden.api.v1alpha1.ApprovalSubject;
import dev.pgwarden.api.v1alpha1.RecordedResults;
import dev.pgwarden.api.v1alpha1.Recording;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.identity.VerifiedIdentity;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgFrameDecoder;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import dev.pgwarden.sidecar.protocol.ServerError;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConnection;
import io.netty.buffer.ByteBuf;
import dev.pgwarden.sidecar.masking.wire.RowMasker;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An authenticated agent connection and its upstream connection, both on the same event loop.
 * Relays in both directions, messages as received, tracked for the audit, flushed when the
 * sending side has nothing more buffered. {@link SessionStartup} builds it once the token is
 * verified and the upstream is ready.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);

  private final ProxyContext proxy;
  private final String sessionId;
  /** Samples results for the recording (policy recording.results: Rows), else null. */
  private final ResultSample sample;
  private final long startNanos;
  private final VerifiedIdentity identity;
  private final StartupParameters startup;
  private final UpstreamConnection upstream;
  private final SessionAudit audit;
  private final StatementTracker tracker;
  private final StatementGate gate;
  private ChannelHandlerContext ctx;
  /** The gate holds a statement: read nothing more from the client until it decides. */
  private boolean gatePaused;
  /** The upstream cannot take more: read nothing more from the client until it drains. */
  private boolean serverBusy;
  /** The last bytes written to the client ended inside a message relayed in chunks. */
  private boolean midMessage;
  private final java.util.ArrayDeque<ByteBuf> noticesAtBoundary = new java.util.ArrayDeque<>();
  /** Null once the session has let go of its upstream connection. */
  private Channel server;
  private CancelRegistry.CancelKey cancelKey;
  private boolean closed;
  private long bytesFromClient;
  private long bytesToClient;
  private long unreportedFromClient;
  private long unreportedToClient;
  private String endReason = "client disconnected";

  ClientSession(ProxyContext proxy, String sessionId, long startNanos, VerifiedIdentity identity,
      StartupParameters startup, UpstreamConnection upstream) {
    this.proxy = proxy;
    this.sessionId = sessionId;
    this.startNanos = startNanos;
    this.identity = identity;
    this.startup = startup;
    this.upstream = upstream;
    this.server = upstream.channel();
    SessionPolicy policy = new SessionPolicy(proxy.policy());
    this.audit = new SessionAudit(proxy.audit(), proxy.metrics(), sessionId, identity.subject(), policy.runtime().name(),
        proxy.upstream().database(), () -> policy.runtime().masking().enabled());
    // Result sampling is set up per session: a reload that changes recording.results reaches new sessions.
    Recording recording = policy.runtime().policy().getSpec().recording();
    this.sample = recording != null && recording.resultsOrDefault() == RecordedResults.Rows
        ? audit.sampleRows(recording.maxRowsOrDefault()) : null;
    SessionCursors cursors = new SessionCursors();
    this.tracker = new StatementTracker(audit, server.alloc(), policy.runtime().masking(), cursors);
    GateContext gateContext = new GateContext(policy, proxy.classifier(), proxy.approvals(),
        new ApprovalSubject(identity.issuer(), identity.subject(), identity.serviceAccount(), identity.pod()),
        sessionId, proxy.clock(), proxy.audit()::cannotRecord);
    this.gate = new StatementGate(gateContext, tracker, new GateOutput(), cursors);
  }

  /** How the gate reaches the two connections; everything runs on this session's event loop. */
  private final class GateOutput implements StatementGate.Output {
    @Override
    public void toServer(ByteBuf bytes) {
      if (server == null) {
        bytes.release();
        return;
      }
      server.write(bytes, server.voidPromise());
    }

    @Override
    public void terminate(ByteBuf lastBytes) {
      ClientSession.this.terminate(lastBytes);
    }

    @Override
    public void notice(ByteBuf notice) {
      // pgwarden's own notices (an approval request and how to approve it) are part of the session too.
      ServerError n = ServerError.parse(notice.slice(notice.readerIndex() + 5, notice.readableBytes() - 5));
      audit.notice(n.severity(), n.sqlState(), n.message());
      if (midMessage) {
        noticesAtBoundary.add(notice);
      } else {
        ctx.writeAndFlush(notice, ctx.voidPromise());
      }
    }

    @Override
    public void pauseReading(boolean paused) {
      gatePaused = paused;
      updateClientReading();
    }

    @Override
    public void onLoop(Runnable task) {
      // Runs even after the session closed: the gate and the approval flow ignore late decisions
      // themselves, and a request created after the client left must still be withdrawn.
      ctx.executor().execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          exceptionCaught(ctx, e);
        }
        if (server != null) {
          server.flush();
        }
      });
    }

    @Override
    public io.netty.buffer.ByteBufAllocator alloc() {
      return ctx.alloc();
    }

    @Override
    public void failed(Throwable t) {
      exceptionCaught(ctx, t);
    }
  }

  private void updateClientReading() {
    ctx.channel().config().setAutoRead(!gatePaused && !serverBusy);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Completes the client's startup (AuthenticationOk up to ReadyForQuery), then relays what was held. */
  void start(Queue<Object> held) {
    server.pipeline().addLast("relay", new BackendRelay(this));
    cancelKey = proxy.cancels().register(this);
    proxy.metrics().sessionOpened();
    proxy.audit().emit(new SessionStarted(Instant.now().toString(), sessionId, identity.subject(), identity.issuer(),
        identity.serviceAccount(), identity.pod(), identity.groups(), proxy.policy().runtime().name(),
        proxy.upstream().database(), ClientReplies.address(ctx.channel()), startup.clientUser(),
        startup.applicationName(), upstream.user(), upstream.processId(), startup.forwarded()));

    ctx.write(Messages.authenticationOk(ctx.alloc()));
    upstream.startupMessages().forEach(ctx::write);
    ctx.write(Messages.backendKeyData(ctx.alloc(), cancelKey.processId(), cancelKey.secret()));
    ctx.writeAndFlush(upstream.readyForQuery());
    ((PgFrameDecoder) ctx.pipeline().get(ProxyChannelInitializer.DECODER))
        .limits(ClientLimits.authenticated(proxy.maxMessageSize()));
    try {
      while (!held.isEmpty()) {
        toServer(held.poll());
      }
    } catch (RuntimeException e) {
      // start() runs in a connect listener, where a thrown exception would only be logged.
      held.forEach(ReferenceCountUtil::safeRelease);
      held.clear();
      exceptionCaught(ctx, e);
      return;
    }
    if (server != null) {
      server.flush();
      updateClientReading();
    }
  }

  // ---------------------------------------------------------------- client to server

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    toServer(msg);
  }

  private void toServer(Object msg) {
    if (server == null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    countFromClient(msg instanceof PgBatch batch ? batch.length() : ((RelayChunk) msg).bytes().readableBytes());
    gate.offer(msg);
  }

  /** The client said goodbye: pass it on, and treat the server's close as the expected end. */
  private void terminate(ByteBuf lastBytes) {
    endReason = "client terminated";
    Channel s = server;
    server = null;
    s.pipeline().remove(BackendRelay.class);
    s.writeAndFlush(lastBytes).addListener(ChannelFutureListener.CLOSE);
    ctx.close();
  }

  private void countFromClient(int n) {
    bytesFromClient += n;
    unreportedFromClient += n;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (server != null) {
      server.flush();
    }
    reportBytes();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    // The agent reads slower than the database writes: stop reading the database until it catches up.
    if (server != null) {
      server.config().setAutoRead(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (t instanceof ProtocolException p) {
      endReason = "protocol violation: " + p.getMessage();
      fatal(p.sqlState(), p.getMessage());
    } else if (t instanceof IOException) {
      endReason = "client connection lost: " + t.getMessage();
      close();
      ctx.close();
    } else {
      LOG.error("session {}: internal error", sessionId, t);
      endReason = "internal error";
      fatal(SqlState.INTERNAL_ERROR, "internal error in pgwarden (session " + sessionId + "); the session is closed");
    }
  }

  /** Asks the database to cancel what this session runs. Safe from any thread. */
  void cancelServer() {
    Channel s = server;
    if (s != null) {
      proxy.upstream().cancel(s.eventLoop(), Transport.socketChannel(s), upstream.processId(), upstream.secretKey());
    }
  }

  // ---------------------------------------------------------------- server to client

  void fromServer(PgBatch batch) {
    if (closed) {
      batch.release();
      return;
    }
    int offset = 0;
    int runStart = 0;
    for (PgMessage m : batch.messages()) {
      ByteBuf replacement;
      try {
        if (m.type() == ProtocolCodes.DATA_ROW) {
          RowMasker masker = tracker.rowsFor(m);
          if (masker != null) {
            if (offset > runStart) {
              // What came before this row, unmasked (after any masked rows gathered before it).
              writeToClient(batch, runStart, offset);
            }
            if (maskedRows == null) {
              maskedRows = ctx.alloc().buffer(batch.length() - offset + 256);
            }
            int at = maskedRows.writerIndex();
            masker.maskInto(m.frame(), maskedRows);
            if (sample != null) {
              sample.row(maskedRows, at);
            }
            offset += m.length();
            runStart = offset;
            continue;
          }
        }
        if (sample != null) {
          sampleRow(m);
        }
        replacement = tracker.onServerMessage(m);
      } catch (ProtocolException e) {
        // A row pgwarden cannot mask: the session ends rather than pass it.
        batch.release();
        releaseMaskedRows();
        endReason = "unmaskable row: " + e.getMessage();
        fatal(e.sqlState(), "pgwarden: " + e.getMessage());
        return;
      } catch (RuntimeException e) {
        batch.release();
        releaseMaskedRows();
        throw e;
      }
      if (m.type() == ProtocolCodes.PARAMETER_STATUS && !protectedSettingHolds(m)) {
        batch.release();
        releaseMaskedRows();
        endReason = "protected setting changed";
        fatal(SqlState.FEATURE_NOT_SUPPORTED, "pgwarden: client_encoding must stay UTF8 and standard_conforming_strings on"
            + " (statements are classified and audited with them); the session is closed, reconnect without changing them");
        return;
      }
      if (replacement != null) {
        // A masked row, a scrubbed error, or the refusal that replaces a stand-in's error.
        writeToClient(batch, runStart, offset);
        if (replacement != StatementTracker.DROP) {
          writeMaskedRows();
          bytesToClient += replacement.readableBytes();
          ctx.write(replacement, ctx.voidPromise());
        }
        runStart = offset + m.length();
      }
      offset += m.length();
    }
    writeToClient(batch, runStart, offset);
    batch.release();
    unreportedToClient += batch.length();
    midMessage = false;
    flushNotices();
  }

  /** Rows and descriptions as they go out unmasked (masked rows are sampled after masking). */
  private void sampleRow(PgMessage m) {
    if (m.type() == ProtocolCodes.DATA_ROW) {
      sample.row(m.frame(), m.frame().readerIndex());
    } else if (m.type() == ProtocolCodes.ROW_DESCRIPTION) {
      sample.describe(m.body());
    }
  }

  /** Masked rows gathered from one read: they go out before anything that followed them. */
  private ByteBuf maskedRows;

  private void writeMaskedRows() {
    if (maskedRows != null) {
      bytesToClient += maskedRows.readableBytes();
      ctx.write(maskedRows, ctx.voidPromise());
      maskedRows = null;
    }
  }

  private void releaseMaskedRows() {
    if (maskedRows != null) {
      maskedRows.release();
      maskedRows = null;
    }
  }

  private void writeToClient(PgBatch batch, int from, int to) {
    writeMaskedRows();
    if (to > from) {
      bytesToClient += to - from;
      ctx.write(batch.bytes().retainedSlice(batch.bytes().readerIndex() + from, to - from), ctx.voidPromise());
    }
  }

  private void flushNotices() {
    while (!noticesAtBoundary.isEmpty()) {
      ctx.write(noticesAtBoundary.poll(), ctx.voidPromise());
    }
  }

  /**
   * Another client_encoding would make the audit decode statements wrongly; standard_conforming_strings
   * off would make backslashes end string literals where the classifier's lexer does not. SET of
   * either is refused by the policy's guards; this catches every other way (ALTER ROLE ... SET,
   * set_config approved by a reviewer).
   */
  private static boolean protectedSettingHolds(PgMessage parameterStatus) {
    ByteBuf body = parameterStatus.body();
    String name = Messages.readCString(body);
    return switch (name) {
      case "client_encoding" -> Messages.readCString(body).equalsIgnoreCase("UTF8");
      case "standard_conforming_strings" -> Messages.readCString(body).equalsIgnoreCase("on");
      default -> true;
    };
  }

  void fromServer(RelayChunk c) {
    if (closed) {
      c.bytes().release();
      return;
    }
    // Decided at a row's first chunk (midMessage is false there); one too short to show the column
    // count is gathered too, and the whole row decides.
    if (c.type() == ProtocolCodes.DATA_ROW && (gatheredRow != null
        || !midMessage && (c.bytes().readableBytes() < 7 || tracker.masksRows(columnCount(c.bytes()))))) {
      gatherRow(c);
      return;
    }
    if (sample != null && c.type() == ProtocolCodes.DATA_ROW && !midMessage) {
      sample.skipped(); // streamed through in pieces: too large to keep
    }
    bytesToClient += c.bytes().readableBytes();
    unreportedToClient += c.bytes().readableBytes();
    ctx.write(c.bytes(), ctx.voidPromise());
    midMessage = !c.last();
    if (!midMessage) {
      flushNotices();
    }
  }

  /**
   * A row too large to arrive in one read, in a result that is masked: gathered whole (up to
   * {@link #MAX_MASKED_ROW} bytes) so its masked columns can be replaced. A larger one cannot be
   * masked and ends the session rather than pass.
   */
  private void gatherRow(RelayChunk c) {
    if (gatheredRow == null) {
      gatheredRow = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
    }
    gatheredRow.addComponent(true, c.bytes());
    if (gatheredRow.readableBytes() > MAX_MASKED_ROW) {
      gatheredRow.release();
      gatheredRow = null;
      endReason = "masked row too large";
      fatal(SqlState.PROGRAM_LIMIT_EXCEEDED, "pgwarden: a result row of more than " + MAX_MASKED_ROW
          + " bytes holds masked columns, and pgwarden masks rows whole; select fewer or smaller columns");
      return;
    }
    if (!c.last()) {
      return;
    }
    CompositeByteBuf whole = gatheredRow;
    gatheredRow = null;
    try {
      PgMessage row = new PgMessage(ProtocolCodes.DATA_ROW, whole);
      RowMasker masker = tracker.rowsFor(row);
      ByteBuf out = masker == null ? whole.retain() : masker.mask(whole, ctx.alloc());
      if (sample != null) {
        sample.row(out, out.readerIndex());
      }
      bytesToClient += out.readableBytes();
      unreportedToClient += out.readableBytes();
      ctx.write(out, ctx.voidPromise());
    } finally {
      whole.release();
    }
    midMessage = false;
    flushNotices();
  }

  private static final int MAX_MASKED_ROW = 64 * 1024 * 1024;
  private CompositeByteBuf gatheredRow;

  private static int columnCount(ByteBuf firstChunk) {
    return firstChunk.readableBytes() >= 7 ? firstChunk.getUnsignedShort(firstChunk.readerIndex() + 5) : 0;
  }

  void serverReadComplete() {
    ctx.flush();
  }

  void serverWritabilityChanged(boolean writable) {
    serverBusy = !writable;
    updateClientReading();
  }

  void serverClosed(Throwable cause) {
    if (closed) {
      return;
    }
    if (cause != null) {
      LOG.warn("session {}: upstream connection failed: {}", sessionId, cause.toString());
    }
    endReason = "database closed the connection";
    // What the server sent before closing (often its own FATAL error) goes out first.
    ctx.flush();
    fatal(SqlState.CONNECTION_FAILURE, "pgwarden: the database connection was closed");
  }

  // ---------------------------------------------------------------- endings

  /** Ends the session from any thread because pgwarden is stopping (the client may reconnect to the next one). */
  void shutDown() {
    ctx.executor().execute(() -> {
      endReason = "pgwarden shut down";
      fatal(SqlState.ADMIN_SHUTDOWN, "pgwarden is shutting down; reconnect in a moment");
    });
  }

  private void fatal(String sqlState, String message) {
    if (closed) {
      return;
    }
    ClientReplies.fatal(ctx, sqlState, message);
    close();
  }

  private void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (server != null) {
      server.close();
      server = null;
    }
    proxy.cancels().unregister(cancelKey);
    gate.close();
    noticesAtBoundary.forEach(ReferenceCountUtil::safeRelease);
    noticesAtBoundary.clear();
    if (gatheredRow != null) {
      gatheredRow.release();
      gatheredRow = null;
    }
    releaseMaskedRows();
    tracker.interrupted();
    reportBytes();
    proxy.metrics().sessionClosed();
    proxy.audit().emit(new SessionEnded(Instant.now().toString(), sessionId, identity.subject(),
        Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), audit.statements(), bytesFromClient,
        bytesToClient, endReason));
  }

  private void reportBytes() {
    if (unreportedFromClient > 0 || unreportedToClient > 0) {
      proxy.metrics().bytes(unreportedFromClient, unreportedToClient);
      unreportedFromClient = 0;
      unreportedToClient = 0;
    }
  }
}

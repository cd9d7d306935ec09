package dev.pgwarden.sidecar.session;

import dev.pgwarden.sidecar.audit.AuthenticationFailed;
import dev.pgwarden.sidecar.audit.SessionEnded;
import dev.pgwarden.sidecar.audit.SessionStarted;
import dev.pgwarden.sidecar.identity.AuthenticationException;
import dev.pgwarden.sidecar.identity.VerifiedIdentity;
import dev.pgwarden.sidecar.protocol.Messages;
import dev.pgwarden.sidecar.protocol.PgBatch;
import dev.pgwarden.sidecar.protocol.PgFrameDecoder;
import dev.pgwarden.sidecar.protocol.PgMessage;
import dev.pgwarden.sidecar.protocol.ProtocolCodes;
import dev.pgwarden.sidecar.protocol.ProtocolException;
import dev.pgwarden.sidecar.protocol.RelayChunk;
import dev.pgwarden.sidecar.protocol.SqlState;
import dev.pgwarden.sidecar.protocol.StartupPacket;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConnection;
import dev.pgwarden.sidecar.upstream.UpstreamConnector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent connection and its upstream connection, both on the same event loop. Walks the
 * startup phase (encryption answer, startup packet, token as password), opens the upstream only
 * after the token is verified, then relays in both directions: messages as received, tracked for
 * the audit, flushed when the sending side has nothing more buffered.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ClientSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private enum State { STARTUP, AWAITING_TOKEN, VERIFYING, CONNECTING, READY, CLOSED }

  private final ProxyContext proxy;
  private final String sessionId;
  private final long startNanos = System.nanoTime();
  /** Client messages that arrived while the session could not yet relay them, in order. */
  private final Queue<Object> held = new ArrayDeque<>();
  private State state = State.STARTUP;
  private ChannelHandlerContext ctx;
  private Channel server;
  private StartupParameters startup;
  private VerifiedIdentity identity;
  private StatementTracker tracker;
  private SessionAudit audit;
  private CancelRegistry.CancelKey cancelKey;
  private UpstreamConnection upstream;
  private ScheduledFuture<?> authenticationTimeout;
  private long bytesFromClient;
  private long bytesToClient;
  private long unreportedFromClient;
  private long unreportedToClient;
  private String endReason = "client disconnected";

  public ClientSession(ProxyContext proxy) {
    this.proxy = proxy;
    byte[] id = new byte[6];
    RANDOM.nextBytes(id);
    this.sessionId = HexFormat.of().formatHex(id);
  }

  public String sessionId() {
    return sessionId;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    authenticationTimeout = ctx.executor().schedule(() -> {
      if (state.ordinal() < State.READY.ordinal()) {
        fatal(SqlState.PROTOCOL_VIOLATION, "authentication did not complete within "
            + proxy.authenticationTimeout().toSeconds() + "s", null);
      }
    }, proxy.authenticationTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---------------------------------------------------------------- client side

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    switch (state) {
      case READY -> toServer(msg);
      case VERIFYING, CONNECTING -> held.add(msg);
      case STARTUP -> startupPacket((PgMessage) msg);
      case AWAITING_TOKEN -> token(msg);
      default -> ReferenceCountUtil.release(msg);
    }
  }

  private void toServer(Object msg) {
    if (server == null) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof PgBatch batch) {
      boolean terminate = false;
      for (PgMessage m : batch.messages()) {
        try {
          tracker.onClientMessage(m);
        } catch (IndexOutOfBoundsException e) {
          batch.release();
          throw new ProtocolException(SqlState.PROTOCOL_VIOLATION,
              "malformed message type '" + (char) m.type() + "': its contents do not match its length");
        }
        terminate |= m.type() == ProtocolCodes.TERMINATE;
      }
      countFromClient(batch.length());
      if (terminate) {
        terminate(batch);
        return;
      }
      server.write(batch.bytes(), server.voidPromise());
    } else {
      RelayChunk c = (RelayChunk) msg;
      countFromClient(c.bytes().readableBytes());
      server.write(c.bytes(), server.voidPromise());
    }
  }

  /** The client said goodbye: pass it on, and treat the server's close as the expected end. */
  private void terminate(PgBatch batch) {
    endReason = "client terminated";
    Channel s = server;
    server = null;
    s.pipeline().remove(BackendRelay.class);
    s.writeAndFlush(batch.bytes()).addListener(ChannelFutureListener.CLOSE);
    ctx.close();
  }

  private void countFromClient(int n) {
    bytesFromClient += n;
    unreportedFromClient += n;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (server != null && state == State.READY) {
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
      fatal(p.sqlState(), p.getMessage(), null);
    } else if (t instanceof IOException) {
      endReason = "client connection lost: " + t.getMessage();
      close();
    } else {
      LOG.error("session {}: internal error", sessionId, t);
      endReason = "internal error";
      fatal(SqlState.INTERNAL_ERROR, "internal error in pgwarden (session " + sessionId + "); the session is closed", null);
    }
  }

  // ---------------------------------------------------------------- startup

  private void startupPacket(PgMessage m) {
    StartupPacket packet;
    try {
      packet = StartupPacket.parse(m);
    } finally {
      m.release();
    }
    switch (packet.code()) {
      case ProtocolCodes.SSL_REQUEST -> answerSslRequest();
      case ProtocolCodes.GSSENC_REQUEST -> ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
      case ProtocolCodes.CANCEL_REQUEST -> cancelRequest(packet);
      default -> startupMessage(packet);
    }
  }

  private void answerSslRequest() {
    if (proxy.clientTls() == null) {
      ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'N'}));
      return;
    }
    // 'S' must leave in clear before the handshake starts, so add the handler once it is written.
    ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'S'})).addListener(f -> {
      if (f.isSuccess()) {
        SslHandler tls = proxy.clientTls().newHandler(ctx.alloc());
        ctx.pipeline().addFirst("tls", tls);
      }
    });
  }

  private void cancelRequest(StartupPacket packet) {
    state = State.CLOSED;
    endReason = null;
    proxy.cancels().lookup(packet.cancelProcessId(), packet.cancelSecret()).ifPresent(ClientSession::cancelServer);
    ctx.close();
  }

  /** Asks the database to cancel what this session runs. Safe from any thread. */
  void cancelServer() {
    Channel s = server;
    UpstreamConnection up = upstream;
    if (s != null && up != null) {
      proxy.upstream().cancel(s.eventLoop(), Transport.socketChannel(s), up.processId(), up.secretKey());
    }
  }

  private void startupMessage(StartupPacket packet) {
    if (packet.majorVersion() != 3) {
      fatal(SqlState.FEATURE_NOT_SUPPORTED, "unsupported frontend protocol " + packet.majorVersion() + "."
          + packet.minorVersion() + ": pgwarden speaks protocol 3.0", null);
      return;
    }
    try {
      startup = StartupParameters.vet(packet.parameters(), proxy.upstream().config().database());
    } catch (StartupRefused e) {
      endReason = "startup refused";
      fatal(e.sqlState(), e.getMessage(), null);
      return;
    }
    if (packet.minorVersion() > 0 || !startup.protocolOptions().isEmpty()) {
      ctx.write(Messages.negotiateProtocolVersion(ctx.alloc(), ProtocolCodes.PROTOCOL_3_0, startup.protocolOptions()));
    }
    state = State.AWAITING_TOKEN;
    ctx.writeAndFlush(Messages.authenticationCleartextPassword(ctx.alloc()));
  }

  private void token(Object msg) {
    if (!(msg instanceof PgBatch batch) || batch.messages().size() != 1
        || batch.messages().get(0).type() != ProtocolCodes.PASSWORD) {
      ReferenceCountUtil.release(msg);
      fatal(SqlState.PROTOCOL_VIOLATION, "expected a password message carrying the token", null);
      return;
    }
    String token;
    try {
      ByteBuf body = batch.messages().get(0).body();
      int end = body.indexOf(body.readerIndex(), body.writerIndex(), (byte) 0);
      token = body.toString(body.readerIndex(), (end < 0 ? body.writerIndex() : end) - body.readerIndex(), StandardCharsets.UTF_8);
    } finally {
      batch.release();
    }
    state = State.VERIFYING;
    ctx.channel().config().setAutoRead(false);
    try {
      CompletableFuture.supplyAsync(() -> verify(token), proxy.blockingWork())
          .whenComplete((result, error) -> ctx.executor().execute(() -> verified(result, error)));
    } catch (RejectedExecutionException e) {
      proxy.metrics().authFailure("overloaded");
      fatal(SqlState.TOO_MANY_CONNECTIONS, "pgwarden: too many connections are authenticating at once; retry shortly", null);
    }
  }

  private Object verify(String token) {
    try {
      return proxy.verifier().get().verify(token);
    } catch (AuthenticationException e) {
      return e;
    }
  }

  private void verified(Object result, Throwable error) {
    if (state != State.VERIFYING) {
      return;
    }
    if (error != null || result instanceof AuthenticationException) {
      AuthenticationException e = result instanceof AuthenticationException a ? a
          : new AuthenticationException(SqlState.INVALID_AUTHORIZATION, "internal", "the token could not be checked; try again");
      if (error != null) {
        LOG.error("session {}: token verification failed unexpectedly", sessionId, error);
      }
      proxy.metrics().authFailure(e.reason());
      proxy.audit().emit(new AuthenticationFailed(Instant.now().toString(), clientAddress(), startup.clientUser(),
          e.reason(), e.sqlState(), e.getMessage()));
      endReason = null;
      fatal(e.sqlState(), "pgwarden: " + e.getMessage(), null);
      return;
    }
    identity = (VerifiedIdentity) result;
    state = State.CONNECTING;
    Map<String, String> params = new LinkedHashMap<>();
    UpstreamConnector connector = proxy.upstream();
    params.put("user", connector.config().user());
    params.put("database", connector.config().database());
    params.put("application_name", startup.upstreamApplicationName(sessionId));
    params.putAll(startup.forwarded());
    long began = System.nanoTime();
    connector.connect(ctx.channel(), params).addListener((Future<UpstreamConnection> f) -> {
      proxy.metrics().upstreamConnected(Duration.ofNanos(System.nanoTime() - began));
      if (f.isSuccess()) {
        upstreamReady(f.getNow());
      } else {
        endReason = "upstream unavailable";
        fatal(SqlState.UNABLE_TO_CONNECT, "pgwarden: " + f.cause().getMessage(), null);
      }
    });
  }

  private void upstreamReady(UpstreamConnection up) {
    if (state != State.CONNECTING) {
      up.startupMessages().forEach(ReferenceCountUtil::safeRelease);
      up.readyForQuery().release();
      up.channel().close();
      return;
    }
    upstream = up;
    server = up.channel();
    server.pipeline().addLast("relay", new BackendRelay(this));
    authenticationTimeout.cancel(false);
    audit = new SessionAudit(proxy.audit(), proxy.metrics(), sessionId, identity.subject(), proxy.policyName(),
        proxy.upstream().config().database());
    tracker = new StatementTracker(audit);
    cancelKey = proxy.cancels().register(this);
    proxy.metrics().sessionOpened();
    proxy.audit().emit(new SessionStarted(Instant.now().toString(), sessionId, identity.subject(), identity.issuer(),
        identity.serviceAccount(), identity.pod(), identity.groups(), proxy.policyName(),
        proxy.upstream().config().database(), clientAddress(), startup.clientUser(), startup.applicationName(),
        proxy.upstream().config().user(), up.processId()));

    ctx.write(Messages.authenticationOk(ctx.alloc()));
    up.startupMessages().forEach(ctx::write);
    ctx.write(Messages.backendKeyData(ctx.alloc(), cancelKey.processId(), cancelKey.secret()));
    ctx.writeAndFlush(up.readyForQuery());
    ((PgFrameDecoder) ctx.pipeline().get(ProxyChannelInitializer.DECODER))
        .limits(ClientLimits.authenticated(proxy.maxMessageSize()));
    state = State.READY;
    while (!held.isEmpty()) {
      toServer(held.poll());
    }
    if (server != null) {
      server.flush();
      ctx.channel().config().setAutoRead(true);
    }
  }

  // ---------------------------------------------------------------- server side

  void fromServer(PgBatch batch) {
    for (PgMessage m : batch.messages()) {
      tracker.onServerMessage(m);
      if (m.type() == ProtocolCodes.PARAMETER_STATUS && !encodingStaysUtf8(m)) {
        batch.release();
        endReason = "client_encoding changed";
        fatal(SqlState.FEATURE_NOT_SUPPORTED, "pgwarden: client_encoding must stay UTF8 (statements are audited as UTF-8);"
            + " the session is closed, reconnect without changing it", null);
        return;
      }
    }
    bytesToClient += batch.length();
    unreportedToClient += batch.length();
    ctx.write(batch.bytes(), ctx.voidPromise());
  }

  /** A SET client_encoding to anything else would make the audit decode statements wrongly. */
  private static boolean encodingStaysUtf8(PgMessage parameterStatus) {
    ByteBuf body = parameterStatus.body();
    String name = Messages.readCString(body);
    return !name.equals("client_encoding") || Messages.readCString(body).equalsIgnoreCase("UTF8");
  }

  void fromServer(RelayChunk c) {
    bytesToClient += c.bytes().readableBytes();
    unreportedToClient += c.bytes().readableBytes();
    ctx.write(c.bytes(), ctx.voidPromise());
  }

  void serverReadComplete() {
    ctx.flush();
  }

  void serverWritabilityChanged(boolean writable) {
    ctx.channel().config().setAutoRead(writable);
  }

  void serverClosed(Throwable cause) {
    if (state == State.CLOSED) {
      return;
    }
    if (cause != null) {
      LOG.warn("session {}: upstream connection failed: {}", sessionId, cause.toString());
    }
    endReason = "database closed the connection";
    // What the server sent before closing (often its own FATAL error) goes out first.
    ctx.flush();
    fatal(SqlState.CONNECTION_FAILURE, "pgwarden: the database connection was closed", null);
  }

  // ---------------------------------------------------------------- endings

  /** Sends a FATAL ErrorResponse, then closes both sides. */
  private void fatal(String sqlState, String message, String hint) {
    if (state == State.CLOSED) {
      return;
    }
    if (ctx.channel().isActive()) {
      ctx.writeAndFlush(Messages.errorResponse(ctx.alloc(), "FATAL", sqlState, message, hint))
          .addListener(ChannelFutureListener.CLOSE);
      if (!ctx.channel().isWritable()) {
        // A client that stopped reading will never take the error: do not wait for it.
        ctx.close();
      }
    }
    close();
  }

  private void close() {
    if (state == State.CLOSED && server == null) {
      return;
    }
    boolean wasReady = state == State.READY;
    state = State.CLOSED;
    if (authenticationTimeout != null) {
      authenticationTimeout.cancel(false);
    }
    held.forEach(ReferenceCountUtil::safeRelease);
    held.clear();
    if (server != null) {
      server.close();
      server = null;
    }
    proxy.cancels().unregister(cancelKey);
    if (wasReady) {
      tracker.interrupted();
      reportBytes();
      proxy.metrics().sessionClosed();
      proxy.audit().emit(new SessionEnded(Instant.now().toString(), sessionId, identity.subject(),
          Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), audit.statements(), bytesFromClient,
          bytesToClient, endReason));
    }
  }

  private void reportBytes() {
    if (unreportedFromClient > 0 || unreportedToClient > 0) {
      proxy.metrics().bytes(unreportedFromClient, unreportedToClient);
      unreportedFromClient = 0;
      unreportedToClient = 0;
    }
  }

  private String clientAddress() {
    return ctx.channel().remoteAddress() instanceof InetSocketAddress a
        ? a.getAddress().getHostAddress() + ":" + a.getPort() : String.valueOf(ctx.channel().remoteAddress());
  }
}

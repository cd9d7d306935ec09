package dev.pgwarden.sidecar;

import dev.pgwarden.sidecar.approval.NoApprovalGate;
import dev.pgwarden.sidecar.masking.MaskRules;
import dev.pgwarden.sidecar.masking.MaskingEngine;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import dev.pgwarden.sidecar.identity.AcceptedSubject;
import dev.pgwarden.sidecar.identity.PolicySubjects;
import dev.pgwarden.sidecar.identity.SigningKeys;
import dev.pgwarden.sidecar.identity.TokenVerifier;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.session.CancelRegistry;
import dev.pgwarden.sidecar.session.ProxyChannelInitializer;
import dev.pgwarden.sidecar.session.ProxyContext;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConnector;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A running pgwarden proxy: the listener, its event loops and the services its sessions share. */
public final class ProxyServer implements AutoCloseable {
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final ExecutorService blockingWork;
  private final ClassifierPool classifier;
  private final Channel listener;
  private final MaskingEngine masking;
  private final CancelRegistry cancels;

  private ProxyServer(EventLoopGroup acceptors, EventLoopGroup workers, ExecutorService blockingWork,
      ClassifierPool classifier, Channel listener, MaskingEngine masking, CancelRegistry cancels) {
    this.cancels = cancels;
    this.masking = masking;
    this.acceptors = acceptors;
    this.workers = workers;
    this.blockingWork = blockingWork;
    this.classifier = classifier;
    this.listener = listener;
  }

  public static ProxyServer start(ProxyConfig config) throws InterruptedException {
    MaskingEngine masking;
    try {
      masking = MaskingEngine.start(MaskRules.of(config.policy().getSpec().maskingOrEmpty()),
          config.policy().getMetadata().getName(), config.maskKeyFile(), config.upstream());
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read the masking key file " + config.maskKeyFile() + ": "
          + e.getMessage(), e);
    }
    try {
      return start(config, masking);
    } catch (InterruptedException | RuntimeException e) {
      masking.close();
      throw e;
    }
  }

  private static ProxyServer start(ProxyConfig config, MaskingEngine masking) throws InterruptedException {
    Transport transport = config.transport();
    IoHandlerFactory io = transport.ioHandlerFactory();
    Class<? extends ServerChannel> serverChannel = transport.serverChannel();
    EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1, io);
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.eventLoops(), io);
    ExecutorService blocking = new ThreadPoolExecutor(2, 8, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
      Thread t = new Thread(r, "pgwarden-blocking");
      t.setDaemon(true);
      return t;
    });

    ClassifierPool classifier = ClassifierPool.withDefaults();
    List<AcceptedSubject> subjects = new ArrayList<>(config.extraSubjects());
    subjects.addAll(PolicySubjects.resolve(config.policy(), config.kubernetesIssuer(), config.kubernetesJwksUri()));
    TokenVerifier verifier = new TokenVerifier(subjects, new SigningKeys(), Clock.systemUTC(), Duration.ofSeconds(60));
    CancelRegistry cancels = new CancelRegistry();
    ProxyContext context = new ProxyContext(
        config.policy().getMetadata().getName(),
        new UpstreamConnector(config.upstream()),
        () -> verifier,
        blocking,
        cancels,
        config.audit(),
        new ProxyMetrics(config.metrics()),
        serverTls(config),
        config.maxMessageSize(),
        config.authenticationTimeout(),
        new StatementPolicy(config.policy().getSpec()),
        classifier,
        config.approvals() == null ? new NoApprovalGate() : config.approvals(),
        Clock.systemUTC(),
        masking);

    Channel listener = new ServerBootstrap()
        .group(acceptors, workers)
        .channel(serverChannel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
        .childHandler(new ProxyChannelInitializer(context))
        .bind(config.listen())
        .sync()
        .channel();
    return new ProxyServer(acceptors, workers, blocking, classifier, listener, masking, cancels);
  }

  private static SslContext serverTls(ProxyConfig config) {
    if (config.tlsCertificate() == null) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(config.tlsCertificate().toFile(), config.tlsKey().toFile()).build();
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot load the listener's TLS certificate " + config.tlsCertificate()
          + " and key " + config.tlsKey() + ": " + e.getMessage(), e);
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  public boolean isListening() {
    return listener.isActive();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    cancels.shutDownAll(); // runs on the sessions' loops before they stop (graceful shutdown runs queued tasks)
    acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    blockingWork.shutdownNow();
    classifier.close();
    masking.close();
  }
}

package dev.pgwarden.sidecar;

import dev.pgwarden.sidecar.approval.NoApprovalGate;
import dev.pgwarden.sidecar.identity.ServiceAccountRetriever;
import dev.pgwarden.sidecar.identity.SigningKeys;
import dev.pgwarden.sidecar.ops.ProxyMetrics;
import dev.pgwarden.sidecar.policy.live.LiveCredentials;
import dev.pgwarden.sidecar.policy.live.LivePolicy;
import dev.pgwarden.sidecar.policy.live.PolicyDirectory;
import dev.pgwarden.sidecar.policy.live.PolicyDirectoryWatcher;
import dev.pgwarden.sidecar.policy.live.PolicyVersions;
import dev.pgwarden.sidecar.session.CancelRegistry;
import dev.pgwarden.sidecar.session.ProxyChannelInitializer;
import dev.pgwarden.sidecar.session.ProxyContext;
import dev.pgwarden.sidecar.sql.ClassifierPool;
import dev.pgwarden.sidecar.upstream.Transport;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
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
import java.time.Instant;
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
    private final PolicyVersions versions;
    private final CancelRegistry cancels;
    private final LivePolicy live;
    private final LiveCredentials credentials;
    /** Null for a fixed policy. */
    private final PolicyDirectoryWatcher watcher;

    private ProxyServer(
            EventLoopGroup acceptors,
            EventLoopGroup workers,
            ExecutorService blockingWork,
            ClassifierPool classifier,
            Channel listener,
            PolicyVersions versions,
            CancelRegistry cancels,
            LivePolicy live,
            LiveCredentials credentials,
            PolicyDirectoryWatcher watcher) {
        this.cancels = cancels;
        this.versions = versions;
        this.live = live;
        this.credentials = credentials;
        this.watcher = watcher;
        this.acceptors = acceptors;
        this.workers = workers;
        this.blockingWork = blockingWork;
        this.classifier = classifier;
        this.listener = listener;
    }

    public static ProxyServer start(ProxyConfig config) throws InterruptedException {
        LiveCredentials credentials = new LiveCredentials(config.upstream(), null, Clock.systemUTC());
        PolicyVersions versions = new PolicyVersions(
                config.extraSubjects(),
                config.kubernetesIssuer(),
                config.kubernetesJwksUri(),
                signingKeys(config),
                config.maskKeyFile(),
                credentials);
        PolicyDirectoryWatcher watcher = null;
        try {
            LivePolicy live = new LivePolicy(versions.build(config.policy()), config.metrics());
            if (config.policyDir() != null) {
                watcher = new PolicyDirectoryWatcher(
                        new PolicyDirectory(config.policyDir()),
                        versions,
                        live,
                        credentials,
                        config.policy(),
                        System.err);
                watcher.check(); // reads the role's expiry, and anything that changed since the caller read the files
                watcher.start(PolicyDirectoryWatcher.DEFAULT_PERIOD);
            }
            return start(config, versions, live, credentials, watcher);
        } catch (InterruptedException | RuntimeException e) {
            if (watcher != null) {
                watcher.close();
            }
            versions.close();
            throw e;
        }
    }

    /**
     * The signing keys cache. In a pod, the cluster's JWKS is on the API server, which wants the
     * pod's service-account token and is signed by the cluster CA.
     */
    private static SigningKeys signingKeys(ProxyConfig config) {
        if (config.kubernetesJwksUri() == null || !ServiceAccountRetriever.available(config.serviceAccountDir())) {
            return new SigningKeys();
        }
        try {
            return new SigningKeys(
                    config.kubernetesJwksUri(), ServiceAccountRetriever.fromDir(config.serviceAccountDir()));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(
                    "cannot use the service-account credentials in " + config.serviceAccountDir()
                            + " to fetch the cluster's signing keys: " + e.getMessage(),
                    e);
        }
    }

    private static ProxyServer start(
            ProxyConfig config,
            PolicyVersions versions,
            LivePolicy live,
            LiveCredentials credentials,
            PolicyDirectoryWatcher watcher)
            throws InterruptedException {
        Transport transport = config.transport();
        IoHandlerFactory io = transport.ioHandlerFactory();
        Class<? extends ServerChannel> serverChannel = transport.serverChannel();
        EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.eventLoops(), io);
        ExecutorService blocking =
                new ThreadPoolExecutor(2, 8, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "pgwarden-blocking");
                    t.setDaemon(true);
                    return t;
                });

        ClassifierPool classifier = ClassifierPool.withDefaults();
        CancelRegistry cancels = new CancelRegistry();
        ProxyContext context = new ProxyContext(
                live,
                new UpstreamConnector(config.upstream(), credentials),
                blocking,
                cancels,
                config.audit(),
                new ProxyMetrics(config.metrics()),
                serverTls(config),
                config.maxMessageSize(),
                config.authenticationTimeout(),
                classifier,
                config.approvals() == null ? new NoApprovalGate() : config.approvals(),
                Clock.systemUTC());

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
        return new ProxyServer(
                acceptors, workers, blocking, classifier, listener, versions, cancels, live, credentials, watcher);
    }

    private static SslContext serverTls(ProxyConfig config) {
        if (config.tlsCertificate() == null) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(
                            config.tlsCertificate().toFile(), config.tlsKey().toFile())
                    .build();
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "cannot load the listener's TLS certificate " + config.tlsCertificate() + " and key "
                            + config.tlsKey() + ": " + e.getMessage(),
                    e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public boolean isListening() {
        return listener.isActive();
    }

    /** The policy sessions apply now. */
    public LivePolicy policy() {
        return live;
    }

    /**
     * The database login new upstream connections use from now on, valid until {@code expiresAt}:
     * how {@code pgwarden local} hands over a role it rotated, as the policy directory does in a pod.
     * Connections already open keep the login they opened with.
     */
    public void upstreamLogin(UpstreamConfig login, Instant expiresAt) {
        credentials.update(login, expiresAt);
    }

    /**
     * Ready for agents: listening, with a valid policy and database credentials that have not
     * expired. While not, Kubernetes keeps the pod out of its Services and shows why it waits.
     */
    public boolean isReady() {
        return isListening() && live.valid() && credentials.notReady() == null;
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        cancels.shutDownAll(Duration.ofSeconds(2)); // clients get 57P01 before the loops stop
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        blockingWork.shutdownNow();
        classifier.close();
        if (watcher != null) {
            watcher.close();
        }
        versions.close();
    }
}

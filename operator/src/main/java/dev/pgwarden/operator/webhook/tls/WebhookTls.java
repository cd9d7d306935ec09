package dev.pgwarden.operator.webhook.tls;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook server's certificate, from one of two sources, always current:
 * <ul>
 *   <li>{@link #fromDirectory}: a cert-manager Secret mounted at {@code --webhook-tls-dir}; a
 *       renewed pair is picked up at the next handshake.</li>
 *   <li>{@link #selfGenerated}: a CA and serving certificate kept in Secret {@code <service>-tls},
 *       with the CA patched into the webhook configurations; checked again every
 *       {@link #SELF_GENERATED_CHECK} so it is renewed, and a caBundle reset by a chart upgrade is
 *       restored.</li>
 * </ul>
 */
public final class WebhookTls implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookTls.class);
    public static final Duration SELF_GENERATED_CHECK = Duration.ofHours(1);

    private final Object lock = new Object();
    private final ReloadingKeyManager keyManager;
    private final SSLContext sslContext;
    private final Runnable refresh;
    private final ScheduledExecutorService scheduler;

    private WebhookTls(TlsMaterial initial, RefreshingSource source, boolean onHandshake, Duration period) {
        // One check at a time: handshakes run on several threads, and the sources keep state.
        this.refresh = () -> {
            synchronized (lock) {
                source.refresh().ifPresent(this::install);
            }
        };
        this.keyManager = new ReloadingKeyManager(initial, onHandshake ? refresh : () -> {});
        this.sslContext = newContext(keyManager);
        if (period == null) {
            this.scheduler = null;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "pgwarden-webhook-tls");
                thread.setDaemon(true);
                return thread;
            });
            long seconds = period.toSeconds();
            scheduler.scheduleWithFixedDelay(this::refreshQuietly, seconds, seconds, TimeUnit.SECONDS);
        }
    }

    /** A source of renewed material; empty when nothing changed. */
    private interface RefreshingSource {
        Optional<TlsMaterial> refresh();
    }

    /** {@code --webhook-tls-dir}: tls.crt and tls.key (cert-manager). Fails now if they are unusable. */
    public static WebhookTls fromDirectory(Path dir) {
        TlsDirectory files = new TlsDirectory(dir);
        TlsMaterial initial;
        try {
            initial = files.read();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot use the webhook certificate in " + dir + ": " + e.getMessage(), e);
        }
        LOG.info("Webhook TLS from {} (names {})", dir, initial.dnsNames());
        return new WebhookTls(
                initial,
                () -> {
                    if (!files.changed()) {
                        return Optional.empty();
                    }
                    try {
                        TlsMaterial renewed = files.read();
                        LOG.info(
                                "Webhook certificate in {} changed; serving the new one (names {})",
                                dir,
                                renewed.dnsNames());
                        return Optional.of(renewed);
                    } catch (IOException | IllegalArgumentException e) {
                        // Caught mid-swap or broken: keep serving the previous pair, try again next handshake.
                        LOG.warn("Webhook certificate in {} changed but cannot be used yet: {}", dir, e.getMessage());
                        return Optional.empty();
                    }
                },
                true,
                null);
    }

    /**
     * No cert-manager: make (or reuse) the CA and certificate in Secret {@code <service>-tls} in
     * {@code namespace}, and patch the CA into the webhook configurations named {@code webhookConfiguration}.
     */
    public static WebhookTls selfGenerated(
            KubernetesClient client, String namespace, String service, String webhookConfiguration) {
        return selfGenerated(client, namespace, service, webhookConfiguration, Clock.systemUTC(), SELF_GENERATED_CHECK);
    }

    /** As above, with the clock and the re-check period chosen (null period: never re-check by itself). */
    public static WebhookTls selfGenerated(
            KubernetesClient client,
            String namespace,
            String service,
            String webhookConfiguration,
            Clock clock,
            Duration recheck) {
        Objects.requireNonNull(webhookConfiguration, "--webhook-configuration is required without --webhook-tls-dir");
        TlsSecretStore store = new TlsSecretStore(client, namespace, service, clock);
        CaBundlePatcher patcher = new CaBundlePatcher(client);
        TlsMaterial initial = store.ensure();
        patcher.patch(webhookConfiguration, initial.caPem());
        TlsMaterial[] last = {initial};
        return new WebhookTls(
                initial,
                () -> {
                    TlsMaterial now = store.ensure();
                    patcher.patch(
                            webhookConfiguration, now.caPem()); // also restores a caBundle a chart upgrade emptied
                    if (now.certificate().equals(last[0].certificate())) {
                        return Optional.empty();
                    }
                    last[0] = now;
                    return Optional.of(now);
                },
                false,
                recheck);
    }

    /** For the HTTPS server; follows renewals without a restart. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /** What is served now. */
    public TlsMaterial current() {
        return keyManager.material();
    }

    /** Checks the source now (the directory, or the Secret and webhook configurations). */
    public void refreshNow() {
        refresh.run();
    }

    private void install(TlsMaterial material) {
        keyManager.update(material);
    }

    private void refreshQuietly() {
        try {
            refresh.run();
        } catch (RuntimeException e) {
            LOG.warn("Webhook TLS check failed; serving the current certificate and retrying later", e);
        }
    }

    private static SSLContext newContext(KeyManager keyManager) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[] {keyManager}, null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is unavailable in this JRE", e);
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}

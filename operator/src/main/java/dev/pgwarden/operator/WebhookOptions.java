package dev.pgwarden.operator;

import dev.pgwarden.operator.webhook.WebhookServer;
import dev.pgwarden.operator.webhook.injection.InjectionSettings;
import dev.pgwarden.operator.webhook.tls.WebhookTls;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The admission webhook server's flags: where it listens, its TLS, and what it injects into agent pods. */
final class WebhookOptions {
    @Option(
            names = "--webhook-listen",
            defaultValue = "0.0.0.0:9443",
            description = "HTTPS address of the admission" + " webhooks. Default ${DEFAULT-VALUE}.")
    String listen;

    @Option(
            names = "--webhook-tls-dir",
            description = "tls.crt and tls.key to serve (a cert-manager Secret), re-read"
                    + " when they change. Without it the operator makes its own CA (see --webhook-service).")
    Path tlsDir;

    @Option(
            names = "--webhook-service",
            description = "The webhook Service's name: the self-made certificate is for"
                    + " <service>.<namespace>.svc and is kept in Secret <service>-tls.")
    String service;

    @Option(
            names = "--webhook-configuration",
            description = "Name of the Mutating- and ValidatingWebhookConfiguration"
                    + " whose caBundle the operator fills with its own CA.")
    String configuration;

    @Option(names = "--sidecar-image", required = true, description = "Image of the injected pgwarden sidecar.")
    String sidecarImage;

    @Option(names = "--sidecar-image-pull-policy", defaultValue = InjectionSettings.DEFAULT_PULL_POLICY)
    String pullPolicy;

    @Option(names = "--sidecar-cpu-request", defaultValue = InjectionSettings.DEFAULT_CPU_REQUEST)
    String cpuRequest;

    @Option(names = "--sidecar-memory-request", defaultValue = InjectionSettings.DEFAULT_MEMORY_REQUEST)
    String memoryRequest;

    @Option(names = "--sidecar-memory-limit", defaultValue = InjectionSettings.DEFAULT_MEMORY_LIMIT)
    String memoryLimit;

    @Option(
            names = "--kubernetes-issuer",
            defaultValue = InjectionSettings.DEFAULT_KUBERNETES_ISSUER,
            description =
                    "Issuer of the cluster's service-account tokens, passed to the sidecar. Default ${DEFAULT-VALUE}.")
    String kubernetesIssuer;

    InjectionSettings injection() {
        return new InjectionSettings(
                sidecarImage, pullPolicy, cpuRequest, memoryRequest, memoryLimit, kubernetesIssuer);
    }

    /** Starts TLS and the server; closing the result stops both. */
    AutoCloseable start(KubernetesClient client, String namespace) throws IOException {
        WebhookTls tls;
        if (tlsDir != null) {
            tls = WebhookTls.fromDirectory(tlsDir);
        } else if (service != null && configuration != null) {
            tls = WebhookTls.selfGenerated(client, namespace, service, configuration);
        } else {
            throw new IllegalArgumentException("the webhooks need TLS: give --webhook-tls-dir (cert-manager), or"
                    + " --webhook-service and --webhook-configuration for a certificate the operator makes itself");
        }
        WebhookServer server;
        try {
            server = WebhookServer.start(OperatorMain.parse(listen), tls.sslContext(), client, injection());
        } catch (IOException | RuntimeException e) {
            tls.close();
            throw e;
        }
        return () -> {
            server.close();
            tls.close();
        };
    }
}

package dev.pgwarden.operator.webhook.tls;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the CA into {@code caBundle} of every webhook in the Mutating- and
 * ValidatingWebhookConfiguration of one name. A kind that does not exist is skipped (logged), so
 * a chart that installs only one of them still works.
 */
public final class CaBundlePatcher {
    private static final Logger LOG = LoggerFactory.getLogger(CaBundlePatcher.class);

    private final KubernetesClient client;

    public CaBundlePatcher(KubernetesClient client) {
        this.client = client;
    }

    /** Returns how many configurations were found (0, 1 or 2). */
    public int patch(String configurationName, String caPem) {
        String bundle = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII));
        int found = 0;
        var mutating = client.admissionRegistration()
                .v1()
                .mutatingWebhookConfigurations()
                .withName(configurationName);
        MutatingWebhookConfiguration m = mutating.get();
        if (m == null) {
            LOG.info("No MutatingWebhookConfiguration {}; skipping its caBundle", configurationName);
        } else {
            found++;
            if (needsBundle(m.getWebhooks(), MutatingWebhook::getClientConfig, bundle)) {
                mutating.edit(c -> {
                    c.getWebhooks().forEach(w -> setBundle(w.getClientConfig(), w::setClientConfig, bundle));
                    return c;
                });
                LOG.info("Patched caBundle into MutatingWebhookConfiguration {}", configurationName);
            }
        }
        var validating = client.admissionRegistration()
                .v1()
                .validatingWebhookConfigurations()
                .withName(configurationName);
        ValidatingWebhookConfiguration v = validating.get();
        if (v == null) {
            LOG.info("No ValidatingWebhookConfiguration {}; skipping its caBundle", configurationName);
        } else {
            found++;
            if (needsBundle(v.getWebhooks(), ValidatingWebhook::getClientConfig, bundle)) {
                validating.edit(c -> {
                    c.getWebhooks().forEach(w -> setBundle(w.getClientConfig(), w::setClientConfig, bundle));
                    return c;
                });
                LOG.info("Patched caBundle into ValidatingWebhookConfiguration {}", configurationName);
            }
        }
        return found;
    }

    /** Skips the write when nothing would change, so replicas do not fight over resourceVersions. */
    private static <W> boolean needsBundle(List<W> webhooks, Function<W, WebhookClientConfig> config, String bundle) {
        return webhooks != null
                && webhooks.stream()
                        .anyMatch(w -> config.apply(w) == null
                                || !Objects.equals(config.apply(w).getCaBundle(), bundle));
    }

    private static void setBundle(
            WebhookClientConfig config, java.util.function.Consumer<WebhookClientConfig> set, String bundle) {
        if (config == null) {
            WebhookClientConfig created = new WebhookClientConfig();
            created.setCaBundle(bundle);
            set.accept(created);
        } else {
            config.setCaBundle(bundle);
        }
    }
}

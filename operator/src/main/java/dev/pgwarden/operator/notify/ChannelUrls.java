package dev.pgwarden.operator.notify;

import dev.pgwarden.api.v1alpha1.NotifyChannel;
import dev.pgwarden.api.v1alpha1.SecretKeyReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Reads a channel's URL from its Secret, at the moment it is needed, so a rotated URL is used at
 * once. Requests are few, so a read each is cheaper than a Secret informer over the namespace.
 */
final class ChannelUrls {
    /** Why a channel cannot be used; the message is for an Event, and never holds the URL. */
    static final class Unusable extends Exception {
        Unusable(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;

    ChannelUrls(KubernetesClient client) {
        this.client = client;
    }

    URI url(String namespace, NotifyChannel channel) throws Unusable {
        SecretKeyReference ref = channel.secretRef();
        Secret secret =
                client.secrets().inNamespace(namespace).withName(ref.name()).get();
        if (secret == null) {
            throw new Unusable("Secret " + namespace + "/" + ref.name() + " does not exist: create it with the"
                    + " webhook's URL under key " + ref.key());
        }
        String value = value(secret, ref.key());
        if (value == null || value.isBlank()) {
            throw new Unusable("Secret " + namespace + "/" + ref.name() + " has no key " + ref.key()
                    + " (or it is empty): put the webhook's URL there");
        }
        return checked(value.strip(), namespace + "/" + ref.name() + " key " + ref.key());
    }

    private static String value(Secret secret, String key) {
        if (secret.getData() != null && secret.getData().get(key) != null) {
            try {
                return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return secret.getStringData() == null ? null : secret.getStringData().get(key);
    }

    /**
     * https anywhere; plain http only to loopback or a Service in the cluster, since the message
     * carries the statement's text.
     */
    static URI checked(String text, String where) throws Unusable {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new Unusable("the value in Secret " + where + " is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.isEmpty()) {
            throw new Unusable("the value in Secret " + where + " is not an absolute http(s) URL");
        }
        boolean inCluster = host.equals("localhost")
                || host.equals("127.0.0.1")
                || host.equals("[::1]")
                || host.endsWith(".svc")
                || host.endsWith(".svc.cluster.local");
        if (!scheme.equals("https") && !(scheme.equals("http") && inCluster)) {
            throw new Unusable("the URL in Secret " + where + " must be https (http only to loopback or a"
                    + " cluster Service, *.svc)");
        }
        return uri;
    }
}

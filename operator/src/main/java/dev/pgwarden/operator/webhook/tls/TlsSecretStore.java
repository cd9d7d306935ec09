package dev.pgwarden.operator.webhook.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the self-generated CA and serving certificate in Secret {@code <service>-tls}, shared by
 * every operator replica: the first creates it, the others read what it made. A certificate
 * expiring within {@link #RENEW_BEFORE} is replaced, from the same CA while the CA lasts, so the
 * caBundle the API server trusts stays the same across renewals.
 */
public final class TlsSecretStore {
    private static final Logger LOG = LoggerFactory.getLogger(TlsSecretStore.class);
    public static final Duration RENEW_BEFORE = Duration.ofDays(30);
    static final Duration SERVING_VALIDITY = Duration.ofDays(365);
    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final String CA_CERT = "ca.crt";
    static final String CA_KEY = "ca.key";

    private final KubernetesClient client;
    private final String namespace;
    private final String service;
    private final Clock clock;

    public TlsSecretStore(KubernetesClient client, String namespace, String service, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.service = service;
        this.clock = clock;
    }

    public String secretName() {
        return service + "-tls";
    }

    /** The names the API server dials: the Service's in-cluster DNS names. */
    public List<String> dnsNames() {
        return List.of(service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local");
    }

    /** Material that is valid for at least {@link #RENEW_BEFORE}: reused, renewed or newly made. */
    public TlsMaterial ensure() {
        Secret existing =
                client.secrets().inNamespace(namespace).withName(secretName()).get();
        if (existing == null) {
            return create();
        }
        Optional<StoredTls> stored = read(existing);
        if (stored.isPresent() && fresh(stored.get().material())) {
            return stored.get().material();
        }
        return renew(existing, stored.map(StoredTls::ca).filter(this::caOutlastsNewCertificate));
    }

    private TlsMaterial create() {
        CertificateAuthority ca = newCa();
        TlsMaterial material = issue(ca);
        try {
            client.secrets()
                    .inNamespace(namespace)
                    .resource(secret(ca, material, null))
                    .create();
            LOG.info("Created webhook TLS Secret {}/{} for {}", namespace, secretName(), dnsNames());
            return material;
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            // Another replica won the race: everyone must serve with the CA in the Secret.
            LOG.info("Webhook TLS Secret {}/{} was made by another replica; using it", namespace, secretName());
            return readBack();
        }
    }

    private TlsMaterial renew(Secret existing, Optional<CertificateAuthority> keepCa) {
        CertificateAuthority ca = keepCa.orElseGet(this::newCa);
        TlsMaterial material = issue(ca);
        try {
            // The resourceVersion makes this an optimistic lock: if another replica renewed first, 409.
            client.secrets()
                    .inNamespace(namespace)
                    .resource(secret(ca, material, existing.getMetadata().getResourceVersion()))
                    .update();
            LOG.info(
                    "Renewed webhook TLS Secret {}/{} ({})",
                    namespace,
                    secretName(),
                    keepCa.isPresent() ? "same CA" : "new CA");
            return material;
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            LOG.info("Webhook TLS Secret {}/{} was renewed by another replica; using it", namespace, secretName());
            return readBack();
        }
    }

    private TlsMaterial readBack() {
        Secret secret =
                client.secrets().inNamespace(namespace).withName(secretName()).get();
        return Optional.ofNullable(secret)
                .flatMap(this::read)
                .map(StoredTls::material)
                .orElseThrow(() -> new IllegalStateException("Secret " + namespace + "/" + secretName()
                        + " exists but holds no usable certificate; delete it and restart the operator"));
    }

    private record StoredTls(TlsMaterial material, CertificateAuthority ca) {}

    private Optional<StoredTls> read(Secret secret) {
        Map<String, String> data = secret.getData();
        if (data == null) {
            return Optional.empty();
        }
        try {
            TlsMaterial material = TlsMaterial.fromPem(
                    decode(data.get("tls.crt")), decode(data.get("tls.key")), decode(data.get(CA_CERT)));
            CertificateAuthority ca = data.containsKey(CA_KEY) && material.ca() != null
                    ? new CertificateAuthority(material.ca(), Pem.privateKey(decode(data.get(CA_KEY))))
                    : null;
            return Optional.of(new StoredTls(material, ca));
        } catch (RuntimeException e) {
            LOG.warn(
                    "Webhook TLS Secret {}/{} is unreadable ({}); replacing it",
                    namespace,
                    secretName(),
                    e.getMessage());
            return Optional.empty();
        }
    }

    /** Usable as it is: has a CA, names this service, and neither expires within the renewal window. */
    private boolean fresh(TlsMaterial material) {
        Instant horizon = clock.instant().plus(RENEW_BEFORE);
        return material.ca() != null
                && material.dnsNames().containsAll(dnsNames())
                && !material.expiredAt(horizon)
                && horizon.isBefore(material.ca().getNotAfter().toInstant());
    }

    private boolean caOutlastsNewCertificate(CertificateAuthority ca) {
        return ca != null
                && clock.instant()
                        .plus(SERVING_VALIDITY)
                        .plus(RENEW_BEFORE)
                        .isBefore(ca.certificate().getNotAfter().toInstant());
    }

    private CertificateAuthority newCa() {
        return CertificateAuthority.generate(
                "pgwarden-webhook-ca " + namespace + "/" + service, clock.instant(), CA_VALIDITY);
    }

    private TlsMaterial issue(CertificateAuthority ca) {
        return ca.issueServing(dnsNames(), clock.instant(), SERVING_VALIDITY);
    }

    private Secret secret(CertificateAuthority ca, TlsMaterial material, String resourceVersion) {
        return new SecretBuilder()
                .withNewMetadata()
                .withName(secretName())
                .withNamespace(namespace)
                .withResourceVersion(resourceVersion)
                .addToLabels("app.kubernetes.io/managed-by", "pgwarden")
                .addToLabels("app.kubernetes.io/component", "webhook")
                .endMetadata()
                .withType("kubernetes.io/tls")
                .addToData("tls.crt", encode(material.certificatePem()))
                .addToData("tls.key", encode(material.keyPem()))
                .addToData(CA_CERT, encode(material.caPem()))
                .addToData(CA_KEY, encode(Pem.encode(ca.key())))
                .build();
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String decode(String base64) {
        return base64 == null ? null : new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
    }
}

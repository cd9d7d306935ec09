package dev.pgwarden.operator.webhook.tls;

import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A serving certificate chain with its key, and the CA that API servers must trust (null when the
 * CA is not known here, e.g. a cert-manager secret without ca.crt).
 */
public record TlsMaterial(List<X509Certificate> chain, PrivateKey key, X509Certificate ca) {
    public TlsMaterial {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("no certificate");
        }
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    public String certificatePem() {
        return Pem.encode(chain.toArray());
    }

    public String keyPem() {
        return Pem.encode(key);
    }

    public String caPem() {
        return ca == null ? null : Pem.encode(ca);
    }

    public static TlsMaterial fromPem(String certificatePem, String keyPem, String caPem) {
        List<X509Certificate> chain = Pem.certificates(certificatePem);
        PrivateKey key = Pem.privateKey(keyPem);
        X509Certificate ca = caPem == null || caPem.isBlank()
                ? null
                : Pem.certificates(caPem).get(0);
        Pem.requireMatching(chain.get(0), key);
        return new TlsMaterial(chain, key, ca);
    }

    /** True when the serving certificate is no longer valid at {@code instant}. */
    public boolean expiredAt(Instant instant) {
        return !instant.isBefore(certificate().getNotAfter().toInstant());
    }

    /** The certificate's DNS subject alternative names. */
    public List<String> dnsNames() {
        try {
            Collection<List<?>> names = certificate().getSubjectAlternativeNames();
            List<String> dns = new ArrayList<>();
            if (names != null) {
                for (List<?> name : names) {
                    if (Integer.valueOf(2).equals(name.get(0))) {
                        dns.add((String) name.get(1));
                    }
                }
            }
            return dns;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}

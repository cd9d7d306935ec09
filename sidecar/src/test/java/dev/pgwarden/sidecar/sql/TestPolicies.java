package dev.pgwarden.sidecar.sql;

import dev.pgwarden.api.policy.InvalidPolicyException;
import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.sidecar.policy.StatementPolicy;
import dev.pgwarden.sidecar.policy.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The two policies the corpus and evasion tests decide under: DESIGN.md's sample rules in
 * ReadWrite mode and the same rules in ReadOnly mode. Loaded through {@link PolicyLoader} so the
 * tests see exactly what a user's YAML produces.
 */
final class TestPolicies {
    static final StatementPolicy READ_WRITE = load("/corpus/rw-policy.yaml");
    static final StatementPolicy READ_ONLY = load("/corpus/ro-policy.yaml");

    private TestPolicies() {}

    static StatementPolicy load(String resource) {
        try (InputStream in = TestPolicies.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return fromYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static StatementPolicy fromYaml(String yaml, String source) {
        try {
            return new StatementPolicy(new PolicyLoader(PolicyValidator.Use.LOCAL)
                    .parse(yaml, source)
                    .getSpec());
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** A simple-protocol Query as the proxy decides it: split, classify each part, strictest verdict wins. */
    static Verdict decideQuery(StatementPolicy policy, String query, Map<String, List<Classification>> prepared) {
        List<String> parts = StatementSplitter.split(query);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("no statement in " + query);
        }
        Verdict strictest = null;
        for (String part : parts) {
            Verdict v =
                    policy.decide(StatementClassifier.classify(part), name -> prepared.getOrDefault(name, List.of()));
            strictest = strictest == null ? v : strictest.strictest(v);
        }
        return strictest;
    }

    static Verdict decideQuery(StatementPolicy policy, String query) {
        return decideQuery(policy, query, Map.of());
    }
}

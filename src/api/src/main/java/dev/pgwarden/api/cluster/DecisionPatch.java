package dev.pgwarden.api.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pgwarden.api.v1alpha1.Decision;

/**
 * How a reviewer decides a QueryApproval: a JSON merge patch of {@code spec.decision} and
 * {@code spec.comment}, nothing else, so the operator's webhooks stamp who sent it. The sidecar's
 * notice, the webhook's messages, the samples' README and {@code kubectl pgwarden approve|deny}
 * all take it from here, so what people are told to run and what the plugin sends cannot differ.
 */
public final class DecisionPatch {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DecisionPatch() {}

    /** {@code {"spec":{"decision":"Approved"}}}, with {@code "comment"} after the decision when there is one. */
    public static String json(Decision decision, String comment) {
        if (decision == Decision.Pending) {
            throw new IllegalArgumentException("a decision is Approved or Denied; Pending is where requests start");
        }
        ObjectNode spec = JSON.createObjectNode().put("decision", decision.name());
        if (comment != null) {
            spec.put("comment", comment);
        }
        return JSON.createObjectNode().set("spec", spec).toString();
    }

    /** The same patch as a {@code kubectl} command line, quoted for a POSIX shell. */
    public static String kubectlCommand(String namespace, String name, Decision decision, String comment) {
        return "kubectl -n " + namespace + " patch queryapproval " + name + " --type merge -p "
                + shellQuoted(json(decision, comment));
    }

    private static String shellQuoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}

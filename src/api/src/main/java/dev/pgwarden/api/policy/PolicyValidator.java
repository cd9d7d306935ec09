package dev.pgwarden.api.policy;

import dev.pgwarden.api.v1alpha1.Action;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicySpec;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.MaskingRule;
import dev.pgwarden.api.v1alpha1.NotifyChannel;
import dev.pgwarden.api.v1alpha1.SecretKeyReference;
import dev.pgwarden.api.v1alpha1.StatementRule;
import dev.pgwarden.api.v1alpha1.Subject;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks what the CRD schema cannot: references between fields, formats, durations. Shared by
 * the local loader, the sidecar and the operator's validating webhook so they all agree.
 */
public final class PolicyValidator {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SERVICE_ACCOUNT = Pattern.compile("[a-z0-9-]+/[a-z0-9.-]+");
    private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern COLUMN = Pattern.compile("[^.\\s]+(\\.[^.\\s]+){1,2}");

    /** Where the policy will be used: in a cluster the database section is mandatory. */
    public enum Use {
        LOCAL,
        CLUSTER
    }

    private final Use use;

    public PolicyValidator(Use use) {
        this.use = use;
    }

    public List<PolicyProblem> validate(DatabaseAccessPolicy policy) {
        List<PolicyProblem> problems = new ArrayList<>();
        if (!DatabaseAccessPolicy.GROUP
                .concat("/")
                .concat(DatabaseAccessPolicy.VERSION)
                .equals(policy.getApiVersion())) {
            problems.add(
                    new PolicyProblem("apiVersion", "must be pgwarden.dev/v1alpha1, was " + policy.getApiVersion()));
        }
        if (!"DatabaseAccessPolicy".equals(policy.getKind())) {
            problems.add(new PolicyProblem("kind", "must be DatabaseAccessPolicy, was " + policy.getKind()));
        }
        String name = policy.getMetadata() == null ? null : policy.getMetadata().getName();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new PolicyProblem("metadata.name", "required: lower-case letters, digits and '-'"));
        }
        DatabaseAccessPolicySpec spec = policy.getSpec();
        if (spec == null) {
            problems.add(new PolicyProblem("spec", "required"));
            return problems;
        }
        checkDatabase(spec.database(), problems);
        checkSubjects(spec.subjects(), problems);
        if (spec.access() == null || spec.access().mode() == null) {
            problems.add(new PolicyProblem("spec.access.mode", "required: ReadOnly or ReadWrite"));
        }
        if (spec.access() != null) {
            checkDuration("spec.access.credentialTTL", spec.access().credentialTTL(), problems);
            checkSchemas(spec.access().schemas(), problems);
        }
        checkMasking(spec.masking(), problems);
        checkRules(spec.rules(), problems);
        problems.addAll(SessionLimits.check(spec.limits()));
        if (spec.onUnparseable() == Action.Allow) {
            // Unclassifiable also covers "EXECUTE of a statement pgwarden did not see prepared": Allow would let it run
            // blind.
            problems.add(new PolicyProblem(
                    "spec.onUnparseable",
                    "must be Deny or RequireApproval: pgwarden never runs"
                            + " a statement it cannot classify without a decision"));
        }
        if (spec.approval() != null) {
            checkDuration("spec.approval.timeout", spec.approval().timeout(), problems);
            checkNotify(spec.approval().notifyOrEmpty(), problems);
        }
        if (spec.recording() != null
                && spec.recording().maxRowsPerStatement() != null
                && spec.recording().maxRowsPerStatement() < 0) {
            problems.add(new PolicyProblem("spec.recording.maxRowsPerStatement", "must not be negative"));
        }
        return problems;
    }

    private void checkDatabase(DatabaseTarget db, List<PolicyProblem> problems) {
        if (db == null) {
            if (use == Use.CLUSTER) {
                problems.add(new PolicyProblem("spec.database", "required: host, port and name of the database"));
            }
            return;
        }
        if (db.host() == null || db.host().isBlank()) {
            problems.add(new PolicyProblem("spec.database.host", "required"));
        }
        if (db.name() == null || db.name().isBlank()) {
            problems.add(new PolicyProblem("spec.database.name", "required"));
        }
        if (db.port() != null && (db.port() < 1 || db.port() > 65535)) {
            problems.add(new PolicyProblem("spec.database.port", "must be between 1 and 65535, was " + db.port()));
        }
    }

    private static void checkSubjects(List<Subject> subjects, List<PolicyProblem> problems) {
        if (subjects == null) {
            return;
        }
        for (int i = 0; i < subjects.size(); i++) {
            Subject s = subjects.get(i);
            String at = "spec.subjects[" + i + "]";
            boolean sa = s.serviceAccount() != null;
            boolean oidc = s.issuer() != null;
            if (sa == oidc) {
                problems.add(new PolicyProblem(at, "set exactly one of serviceAccount or issuer"));
                continue;
            }
            if (sa && !SERVICE_ACCOUNT.matcher(s.serviceAccount()).matches()) {
                problems.add(
                        new PolicyProblem(at + ".serviceAccount", "must be namespace/name, was " + s.serviceAccount()));
            }
            if (sa && !s.groupsOrEmpty().isEmpty()) {
                problems.add(new PolicyProblem(at + ".groups", "applies to issuer subjects only"));
            }
            if (oidc) {
                checkUrl(at + ".issuer", s.issuer(), problems);
            }
            if (s.jwksUri() != null) {
                checkUrl(at + ".jwksUri", s.jwksUri(), problems);
            }
        }
    }

    /** Keys must come over TLS, except from loopback (the local issuer of {@code pgwarden local}). */
    private static void checkUrl(String path, String value, List<PolicyProblem> problems) {
        try {
            URI uri = new URI(value);
            String host = uri.getHost();
            boolean loopback = "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host);
            if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback)) {
                problems.add(new PolicyProblem(path, "must be an https URL (http only on loopback), was " + value));
            }
        } catch (Exception e) {
            problems.add(new PolicyProblem(path, "not a URL: " + value));
        }
    }

    private static void checkMasking(List<MaskingRule> masking, List<PolicyProblem> problems) {
        if (masking == null) {
            return;
        }
        for (int i = 0; i < masking.size(); i++) {
            MaskingRule m = masking.get(i);
            String at = "spec.masking[" + i + "]";
            if (m.strategy() == null) {
                problems.add(new PolicyProblem(at + ".strategy", "required: redact, partial, hash or null"));
            }
            if (m.columns() == null || m.columns().isEmpty()) {
                problems.add(new PolicyProblem(at + ".columns", "required: at least one schema.table.column"));
                continue;
            }
            for (int j = 0; j < m.columns().size(); j++) {
                String c = m.columns().get(j);
                if (c == null || !COLUMN.matcher(c).matches() || !parses(c)) {
                    problems.add(new PolicyProblem(
                            at + ".columns[" + j + "]", "must be schema.table.column or table.column, was " + c));
                }
            }
        }
    }

    /** Whether both walls can read the column: an unclosed quote passes the pattern but names nothing. */
    private static boolean parses(String column) {
        try {
            ColumnName.parse(column);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void checkRules(List<StatementRule> rules, List<PolicyProblem> problems) {
        if (rules == null) {
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            StatementRule r = rules.get(i);
            String at = "spec.rules[" + i + "]";
            if (r.name() == null || r.name().isBlank()) {
                problems.add(new PolicyProblem(at + ".name", "required: audit events and errors name the rule"));
            } else if (!seen.add(r.name())) {
                problems.add(new PolicyProblem(at + ".name", "duplicate rule name " + r.name()));
            }
            if (r.statements() == null || r.statements().isEmpty()) {
                problems.add(new PolicyProblem(at + ".statements", "required: at least one statement kind"));
            }
            if (r.action() == null) {
                problems.add(new PolicyProblem(at + ".action", "required: Allow, RequireApproval or Deny"));
            }
            if (r.changesMoreThan() != null) {
                if (r.changesMoreThan() < 0) {
                    problems.add(new PolicyProblem(
                            at + ".changesMoreThan", "must be 0 or more, was " + r.changesMoreThan()));
                }
                if (r.statements() != null && r.statements().stream().noneMatch(StatementRule.COUNTABLE::contains)) {
                    problems.add(new PolicyProblem(
                            at + ".changesMoreThan",
                            "counts changed rows, so the rule must name at least" + " one of " + StatementRule.COUNTABLE
                                    + "; it names " + r.statements()));
                }
            }
        }
    }

    /**
     * System schemas are never granted: SELECT on pg_catalog would let the minted role read
     * pg_authid, every role's password hash.
     */
    private static void checkSchemas(List<String> schemas, List<PolicyProblem> problems) {
        if (schemas == null) {
            return;
        }
        for (int i = 0; i < schemas.size(); i++) {
            String schema = schemas.get(i);
            if (schema == null || schema.isBlank()) {
                problems.add(new PolicyProblem("spec.access.schemas[" + i + "]", "must not be empty"));
            } else if (schema.startsWith("pg_") || schema.equals("information_schema")) {
                problems.add(new PolicyProblem(
                        "spec.access.schemas[" + i + "]",
                        schema + " is a system schema; pgwarden" + " grants only on application schemas"));
            }
        }
    }

    /** The URL itself is read from the Secret when a request is filed; here, only where it comes from. */
    private static void checkNotify(List<NotifyChannel> channels, List<PolicyProblem> problems) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < channels.size(); i++) {
            NotifyChannel channel = channels.get(i);
            String at = "spec.approval.notify[" + i + "]";
            if (channel == null) {
                problems.add(new PolicyProblem(at, "must not be empty"));
                continue;
            }
            if (channel.type() == null) {
                problems.add(new PolicyProblem(at + ".type", "required: Slack or Webhook"));
            }
            SecretKeyReference ref = channel.secretRef();
            if (ref == null) {
                problems.add(new PolicyProblem(
                        at + ".secretRef",
                        "required: {name, key} of a Secret in the policy's namespace holding the URL"
                                + " (never the URL itself)"));
                continue;
            }
            if (ref.name() == null
                    || ref.name().length() > 253
                    || !SECRET_NAME.matcher(ref.name()).matches()) {
                problems.add(new PolicyProblem(at + ".secretRef.name", "must be a Secret's name, was " + ref.name()));
            }
            if (ref.key() == null
                    || ref.key().length() > 253
                    || !SECRET_KEY.matcher(ref.key()).matches()) {
                problems.add(new PolicyProblem(
                        at + ".secretRef.key",
                        "must be a Secret key (letters, digits, '-', '_', '.'), was " + ref.key()));
            }
            if (channel.type() != null && !seen.add(channel.id())) {
                problems.add(new PolicyProblem(at, "duplicate channel " + channel.id() + ": it would be told twice"));
            }
        }
    }

    private static void checkDuration(String path, String value, List<PolicyProblem> problems) {
        if (value == null) {
            return;
        }
        try {
            if (Durations.parse(value).isZero()) {
                problems.add(new PolicyProblem(path, "must be longer than zero"));
            }
        } catch (IllegalArgumentException e) {
            problems.add(new PolicyProblem(path, e.getMessage()));
        }
    }
}

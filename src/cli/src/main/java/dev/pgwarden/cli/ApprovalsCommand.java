package dev.pgwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgwarden.api.v1alpha1.Decision;
import dev.pgwarden.api.v1alpha1.ObjectEstimate;
import dev.pgwarden.cli.cluster.ApprovalDecision;
import dev.pgwarden.cli.cluster.ApprovalListing;
import dev.pgwarden.cli.cluster.Cluster;
import dev.pgwarden.cli.cluster.ClusterOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pgwarden approvals}: the statements a running {@code pgwarden local} holds for approval;
 * with its nested {@code approve} and {@code deny} commands, how a local reviewer decides them.
 * With {@code --cluster} (the default as {@code kubectl pgwarden}) the same commands work on the
 * QueryApprovals of a cluster instead (package {@code cluster}).
 */
@Command(
        name = "approvals",
        mixinStandardHelpOptions = true,
        description = "List the statements held for approval: by the running `pgwarden local`, or with --cluster"
                + " (the default as `kubectl pgwarden`) the QueryApprovals in a cluster.")
public final class ApprovalsCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--state-dir", description = "Where `pgwarden local` keeps its state. Default ~/.pgwarden/local.")
    Path stateDir;

    @Option(names = "--all", description = "Also list decided and expired requests.")
    boolean all;

    @Option(
            names = {"-A", "--all-namespaces"},
            description = "With --cluster: list the requests of every namespace you may list.")
    boolean allNamespaces;

    @Mixin
    ClusterOptions cluster;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (cluster.selected()) {
            ClusterOptions.refuseLocalOption(spec.commandLine(), stateDir, "--state-dir");
            try (Cluster c = cluster.connect()) {
                new ApprovalListing(Clock.systemUTC())
                        .print(c, allNamespaces, all, spec.commandLine().getOut());
            }
            return 0;
        }
        cluster.checkLocal(spec.commandLine(), allNamespaces);
        JsonNode list = send(stateDir, "GET", "", null);
        int shown = 0;
        for (JsonNode e : list) {
            if (!all && !e.path("phase").asText().equals("Pending")) {
                continue;
            }
            shown++;
            System.out.printf(
                    "%s  %s  rule %s  subject %s  expires %s%n",
                    e.path("name").asText(),
                    e.path("phase").asText(),
                    e.path("rule").asText(),
                    e.path("subject").asText(),
                    e.path("expiresAt").asText());
            System.out.println("    " + e.path("statement").asText().replace("\n", "\n    "));
            if (e.hasNonNull("rowsChanged")) {
                System.out.println(
                        "    trial run changed " + e.path("rowsChanged").asLong() + " rows");
            }
            for (JsonNode estimate : e.path("estimates")) {
                System.out.println("    would remove "
                        + JSON.treeToValue(estimate, ObjectEstimate.class).summary());
            }
            if (e.hasNonNull("agentReason")) {
                System.out.println("    reason: " + e.path("agentReason").asText());
            }
            if (!e.path("parameters").isEmpty()) {
                System.out.println("    parameters: " + e.path("parameters"));
            }
            if (e.hasNonNull("reviewer")) {
                System.out.println("    decided by " + e.path("reviewer").asText()
                        + (e.hasNonNull("comment") ? ": " + e.path("comment").asText() : ""));
            }
        }
        if (shown == 0) {
            System.out.println(all ? "No approval requests." : "No pending approval requests.");
        }
        return 0;
    }

    static JsonNode send(Path stateDir, String method, String path, JsonNode body)
            throws IOException, InterruptedException {
        LocalState state = LocalState.read(stateDir == null ? LocalState.defaultDirectory() : stateDir);
        if (state.approvalsUrl() == null) {
            throw new IOException(
                    "the running `pgwarden local` has no approval endpoint: restart it with this version");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(state.approvalsUrl() + path))
                .header("Authorization", "Bearer " + state.approvalsSecret())
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body.toString()));
        HttpResponse<String> response;
        try {
            response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            throw new IOException(
                    "cannot reach `pgwarden local` at " + state.approvalsUrl() + ": is it still running?");
        }
        JsonNode json = JSON.readTree(response.body());
        if (response.statusCode() != 200) {
            throw new IOException(json.path("error").asText("HTTP " + response.statusCode()));
        }
        return json;
    }

    /** Shared by approve and deny. */
    abstract static class Decide implements Callable<Integer> {
        @Parameters(
                index = "0",
                paramLabel = "NAME",
                description =
                        "The request's name, as `pgwarden approvals` lists it (a QueryApproval's, with --cluster).")
        String name;

        @Option(
                names = "--comment",
                description = "Why; the agent sees it when a request is denied (spec.comment, with --cluster).")
        String comment;

        @Option(
                names = "--state-dir",
                description = "Where `pgwarden local` keeps its state. Default ~/.pgwarden/local.")
        Path stateDir;

        @Mixin
        ClusterOptions cluster;

        @Spec
        CommandSpec spec;

        abstract String verb();

        @Override
        public Integer call() throws Exception {
            if (cluster.selected()) {
                ClusterOptions.refuseLocalOption(spec.commandLine(), stateDir, "--state-dir");
                try (Cluster c = cluster.connect()) {
                    Decision decision = verb().equals("approve") ? Decision.Approved : Decision.Denied;
                    ApprovalDecision.decide(
                            c, name, decision, comment, spec.commandLine().getOut());
                }
                return 0;
            }
            cluster.checkLocal(spec.commandLine(), false);
            var body = JSON.createObjectNode().put("reviewer", System.getProperty("user.name"));
            if (comment != null) {
                body.put("comment", comment);
            }
            JsonNode e = send(stateDir, "POST", "/" + name + "/" + verb(), body);
            // The held statement may already have run by the time the answer is written: say what was
            // decided, and the phase it has reached when that is further along.
            String decided = verb().equals("approve") ? "approved" : "denied";
            String phase = e.path("phase").asText().toLowerCase(java.util.Locale.ROOT);
            System.out.println(e.path("name").asText() + " " + decided + " by "
                    + e.path("reviewer").asText() + (phase.equals(decided) ? "" : " (now " + phase + ")") + ": "
                    + e.path("statement").asText());
            return 0;
        }
    }

    @Command(
            name = "approve",
            mixinStandardHelpOptions = true,
            description = "Approve a held statement: of the running `pgwarden local`, or with --cluster a"
                    + " QueryApproval, as `kubectl patch` would, so the reviewer stamped is your kubeconfig's user.")
    static final class Approve extends Decide {
        @Override
        String verb() {
            return "approve";
        }
    }

    @Command(
            name = "deny",
            mixinStandardHelpOptions = true,
            description = "Deny a held statement: of the running `pgwarden local`, or with --cluster a"
                    + " QueryApproval, as `kubectl patch` would, so the reviewer stamped is your kubeconfig's user.")
    static final class Deny extends Decide {
        @Override
        String verb() {
            return "deny";
        }
    }
}

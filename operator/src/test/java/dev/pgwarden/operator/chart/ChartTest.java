package dev.pgwarden.operator.chart;

import static dev.pgwarden.operator.chart.RenderedChart.CHART;
import static dev.pgwarden.operator.chart.RenderedChart.NAMESPACE;
import static dev.pgwarden.operator.chart.RenderedChart.REPO;
import static dev.pgwarden.operator.chart.RenderedChart.render;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.pgwarden.api.cluster.PgwardenLabels;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The Helm chart: lint, and what it renders, checked against the operator contract (issue 6). */
class ChartTest {
    private static final String FULLNAME = "pgwarden";
    private static final String WEBHOOK_SERVICE = "pgwarden-webhook";

    /** The operator's flags, exactly as the contract names them; the chart may pass no other. */
    private static final List<String> CONTRACT_FLAGS = List.of(
            "--namespace",
            "--watch-namespaces",
            "--leader-election",
            "--ops-listen",
            "--webhook-listen",
            "--webhook-tls-dir",
            "--webhook-service",
            "--webhook-configuration",
            "--approval-retention",
            "--sidecar-image",
            "--sidecar-image-pull-policy",
            "--sidecar-cpu-request",
            "--sidecar-memory-request",
            "--sidecar-memory-limit",
            "--kubernetes-issuer");

    private static final Map<String, Object> CERT_MANAGER_AND_MONITOR = Map.of(
            "certManager.enabled",
            true,
            "serviceMonitor.enabled",
            true,
            "serviceMonitor.labels.release",
            "kube-prometheus");

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed())
                .as("helm lint --strict: %s", result.getMessages())
                .isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void chartCrdsAreByteCopiesOfTheGeneratedOnes() throws Exception {
        Path generated = REPO.resolve("crds");
        Path inChart = CHART.resolve("crds");
        List<String> names = fileNames(generated);
        assertThat(names).isNotEmpty();
        assertThat(fileNames(inChart)).as("files in charts/pgwarden/crds").isEqualTo(names);
        for (String name : names) {
            assertThat(Arrays.equals(
                            Files.readAllBytes(inChart.resolve(name)), Files.readAllBytes(generated.resolve(name))))
                    .as(
                            "charts/pgwarden/crds/%s is a byte copy of crds/%s (cp crds/*.yml charts/pgwarden/crds/)",
                            name, name)
                    .isTrue();
        }
    }

    /** The operator's own command line accepts exactly what the chart passes, in both TLS modes. */
    @Test
    void theOperatorAcceptsTheRenderedArguments() {
        for (Map<String, Object> values : List.<Map<String, Object>>of(
                Map.of(),
                Map.of(
                        "certManager.enabled",
                        true,
                        "watchNamespaces[0]",
                        "agents",
                        "watchNamespaces[1]",
                        "ci",
                        "leaderElection.enabled",
                        false,
                        "replicaCount",
                        1))) {
            Container operator = render(values)
                    .one(Deployment.class, FULLNAME)
                    .getSpec()
                    .getTemplate()
                    .getSpec()
                    .getContainers()
                    .get(0);
            String[] args = operator.getArgs().stream()
                    .map(a -> a.replace("$(POD_NAMESPACE)", NAMESPACE))
                    .toArray(String[]::new);
            dev.pgwarden.operator.OperatorMain main = new dev.pgwarden.operator.OperatorMain();
            picocli.CommandLine.ParseResult parsed = new picocli.CommandLine(main).parseArgs(args);
            assertThat(parsed.unmatched()).as("values %s", values).isEmpty();
            assertThat(parsed.matchedOptions()).hasSize(args.length);
        }
    }

    @Test
    void operatorDeploymentPassesTheContractFlags() {
        RenderedChart chart = render(Map.of());
        Deployment deployment = chart.one(Deployment.class, FULLNAME);
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
        Container operator =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);

        assertThat(flags(operator))
                .containsExactly(
                        Map.entry("--namespace", "$(POD_NAMESPACE)"),
                        Map.entry("--leader-election", "true"),
                        Map.entry("--ops-listen", "0.0.0.0:8080"),
                        Map.entry("--webhook-listen", "0.0.0.0:9443"),
                        Map.entry("--webhook-service", WEBHOOK_SERVICE),
                        Map.entry("--webhook-configuration", FULLNAME),
                        Map.entry("--approval-retention", "24h"),
                        Map.entry("--sidecar-image", "ghcr.io/pgwarden/pgwarden-sidecar:0.1.0"),
                        Map.entry("--sidecar-image-pull-policy", "IfNotPresent"),
                        Map.entry("--sidecar-cpu-request", "50m"),
                        Map.entry("--sidecar-memory-request", "128Mi"),
                        Map.entry("--sidecar-memory-limit", "512Mi"),
                        Map.entry("--kubernetes-issuer", "https://kubernetes.default.svc.cluster.local"));
        assertThat(operator.getImage()).isEqualTo("ghcr.io/pgwarden/pgwarden-operator:0.1.0");

        // POD_NAMESPACE from the downward API ($(POD_NAMESPACE) in the args expands it).
        assertThat(operator.getEnv()).anySatisfy(env -> {
            assertThat(env.getName()).isEqualTo("POD_NAMESPACE");
            assertThat(env.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        });
        assertThat(operator.getPorts())
                .extracting(p -> p.getName() + ":" + p.getContainerPort())
                .containsExactlyInAnyOrder("ops:8080", "webhook:9443");
        assertThat(operator.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(operator.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(operator.getLivenessProbe().getHttpGet().getPort().getStrVal())
                .isEqualTo("ops");

        var security = operator.getSecurityContext();
        assertThat(security.getRunAsNonRoot()).isTrue();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(deployment
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getSecurityContext()
                        .getSeccompProfile()
                        .getType())
                .isEqualTo("RuntimeDefault");
        assertThat(operator.getResources().getLimits()).containsKey("memory");
        assertThat(operator.getResources().getRequests()).containsKeys("cpu", "memory");
    }

    @Test
    void valuesReachTheOperatorFlags() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("watchNamespaces[0]", "agents");
        values.put("watchNamespaces[1]", "team-b");
        values.put("sidecar.image.repository", "registry.example.com/pgwarden-sidecar");
        values.put("sidecar.image.tag", "1.2.3");
        values.put("sidecar.image.pullPolicy", "Always");
        values.put("sidecar.resources.memoryLimit", "1Gi");
        values.put("approvalRetention", "72h");
        values.put("image.tag", "9.9.9");
        values.put("replicaCount", 1);
        values.put("leaderElection.enabled", false);
        Container operator = render(values)
                .one(Deployment.class, FULLNAME)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        Map<String, String> flags = flags(operator);
        assertThat(flags)
                .containsEntry("--watch-namespaces", "agents,team-b")
                .containsEntry("--sidecar-image", "registry.example.com/pgwarden-sidecar:1.2.3")
                .containsEntry("--sidecar-image-pull-policy", "Always")
                .containsEntry("--sidecar-memory-limit", "1Gi")
                .containsEntry("--approval-retention", "72h")
                .containsEntry("--leader-election", "false");
        assertThat(operator.getImage()).endsWith(":9.9.9");
    }

    @Test
    void refusesReplicasWithoutLeaderElection() {
        assertThatThrownBy(() -> render(Map.of("leaderElection.enabled", false)))
                .hasMessageContaining("leaderElection.enabled=false needs replicaCount=1");
    }

    @Test
    void webhooksCoverEveryPathTheOperatorServesAndFailClosedByDefault() {
        RenderedChart chart = render(Map.of());
        MutatingWebhookConfiguration mutating = chart.one(MutatingWebhookConfiguration.class, FULLNAME);
        ValidatingWebhookConfiguration validating = chart.one(ValidatingWebhookConfiguration.class, FULLNAME);

        Map<String, MutatingWebhook> mutatingByPath = new LinkedHashMap<>();
        mutating.getWebhooks()
                .forEach(
                        w -> mutatingByPath.put(w.getClientConfig().getService().getPath(), w));
        Map<String, ValidatingWebhook> validatingByPath = new LinkedHashMap<>();
        validating
                .getWebhooks()
                .forEach(w ->
                        validatingByPath.put(w.getClientConfig().getService().getPath(), w));
        assertThat(mutatingByPath).containsOnlyKeys("/mutate-pods", "/mutate-queryapprovals");
        assertThat(validatingByPath)
                .containsOnlyKeys(
                        "/validate-queryapprovals",
                        "/validate-databaseaccesspolicies",
                        "/validate-queryapproval-status",
                        "/validate-pod-ephemeralcontainers",
                        "/validate-pod-exec");
        // The routes the operator really registers (no client is needed to build them).
        java.util.Set<String> served = dev.pgwarden.operator.webhook.AdmissionRoutes.create(
                        null,
                        new dev.pgwarden.operator.webhook.injection.InjectionSettings(
                                "sidecar:1",
                                "IfNotPresent",
                                "50m",
                                "128Mi",
                                "512Mi",
                                "https://kubernetes.default.svc.cluster.local"),
                        java.time.Clock.systemUTC())
                .keySet();
        assertThat(Stream.concat(mutatingByPath.keySet().stream(), validatingByPath.keySet().stream()))
                .as("every configured path is one the operator serves, and the other way round")
                .containsExactlyInAnyOrderElementsOf(served);

        MutatingWebhook pods = mutatingByPath.get("/mutate-pods");
        assertThat(rule(pods.getRules())).isEqualTo("[] v1 pods [CREATE]");
        assertThat(pods.getObjectSelector().getMatchLabels()).containsExactly(Map.entry(PgwardenLabels.INJECT, "true"));
        var excluded = pods.getNamespaceSelector().getMatchExpressions().get(0);
        assertThat(excluded.getKey()).isEqualTo("kubernetes.io/metadata.name");
        assertThat(excluded.getOperator()).isEqualTo("NotIn");
        assertThat(excluded.getValues()).containsExactlyInAnyOrder(NAMESPACE, "kube-system");
        assertThat(rule(mutatingByPath.get("/mutate-queryapprovals").getRules()))
                .isEqualTo("[pgwarden.dev] v1alpha1 queryapprovals [UPDATE]");
        assertThat(rule(validatingByPath.get("/validate-queryapprovals").getRules()))
                .isEqualTo("[pgwarden.dev] v1alpha1 queryapprovals [CREATE, UPDATE]");
        assertThat(rule(validatingByPath.get("/validate-queryapproval-status").getRules()))
                .isEqualTo("[pgwarden.dev] v1alpha1 queryapprovals/status [UPDATE]");
        assertThat(rule(validatingByPath.get("/validate-databaseaccesspolicies").getRules()))
                .isEqualTo("[pgwarden.dev] v1alpha1 databaseaccesspolicies [CREATE, UPDATE]");
        ValidatingWebhook debug = validatingByPath.get("/validate-pod-ephemeralcontainers");
        assertThat(rule(debug.getRules())).isEqualTo("[] v1 pods/ephemeralcontainers [UPDATE]");
        assertThat(debug.getObjectSelector())
                .as("not by label: it could be removed first")
                .isNull();
        assertThat(debug.getMatchConditions())
                .singleElement()
                .satisfies(c -> assertThat(c.getExpression()).contains("c.name == 'pgwarden-sidecar'"));
        assertThat(debug.getNamespaceSelector().getMatchExpressions().get(0).getValues())
                .containsExactlyInAnyOrder(NAMESPACE, "kube-system");
        ValidatingWebhook exec = validatingByPath.get("/validate-pod-exec");
        assertThat(rule(exec.getRules())).isEqualTo("[] v1 pods/exec,pods/attach [CONNECT]");
        assertThat(exec.getMatchConditions())
                .singleElement()
                .satisfies(c -> assertThat(c.getExpression()).contains("object.container == 'pgwarden-sidecar'"));

        for (var hook : Stream.concat(
                        mutating.getWebhooks().stream()
                                .map(w -> new Hook(
                                        w.getName(),
                                        w.getClientConfig(),
                                        w.getFailurePolicy(),
                                        w.getSideEffects(),
                                        w.getAdmissionReviewVersions(),
                                        w.getTimeoutSeconds())),
                        validating.getWebhooks().stream()
                                .map(w -> new Hook(
                                        w.getName(),
                                        w.getClientConfig(),
                                        w.getFailurePolicy(),
                                        w.getSideEffects(),
                                        w.getAdmissionReviewVersions(),
                                        w.getTimeoutSeconds())))
                .toList()) {
            assertThat(hook.failurePolicy()).as(hook.name()).isEqualTo("Fail");
            assertThat(hook.sideEffects()).as(hook.name()).isEqualTo("None");
            assertThat(hook.reviewVersions()).as(hook.name()).containsExactly("v1");
            assertThat(hook.timeoutSeconds()).as(hook.name()).isEqualTo(10);
            assertThat(hook.client().getService().getName()).isEqualTo(WEBHOOK_SERVICE);
            assertThat(hook.client().getService().getNamespace()).isEqualTo(NAMESPACE);
            assertThat(hook.client().getService().getPort()).isEqualTo(443);
            // Without cert-manager the operator patches the CA in; the chart must not render one.
            assertThat(hook.client().getCaBundle()).isNull();
        }
        assertThat(mutating.getMetadata().getAnnotations()).isNullOrEmpty();

        Service service = chart.one(Service.class, WEBHOOK_SERVICE);
        assertThat(service.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(443);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("webhook");
        });
        assertThat(service.getSpec().getSelector())
                .isEqualTo(chart.one(Deployment.class, FULLNAME)
                        .getSpec()
                        .getSelector()
                        .getMatchLabels());
        Service metrics = chart.one(Service.class, FULLNAME + "-metrics");
        assertThat(metrics.getSpec().getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getPort()).isEqualTo(8080);
            assertThat(port.getTargetPort().getStrVal()).isEqualTo("ops");
        });
    }

    @Test
    void failurePolicyAndExclusionsComeFromValues() {
        RenderedChart chart = render(Map.of(
                "webhook.failurePolicy",
                "Ignore",
                "webhook.timeoutSeconds",
                5,
                "webhook.excludeNamespaces[0]",
                "monitoring"));
        // The value reaches injection and policy validation only; the guards of approvals and of the
        // sidecar's secrets fail closed whatever it says.
        Map<String, String> policies = new LinkedHashMap<>();
        chart.one(MutatingWebhookConfiguration.class, FULLNAME).getWebhooks().forEach(w -> {
            policies.put(w.getClientConfig().getService().getPath(), w.getFailurePolicy());
            assertThat(w.getTimeoutSeconds()).isEqualTo(5);
        });
        chart.one(ValidatingWebhookConfiguration.class, FULLNAME)
                .getWebhooks()
                .forEach(w -> policies.put(w.getClientConfig().getService().getPath(), w.getFailurePolicy()));
        assertThat(policies)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "/mutate-pods", "Ignore",
                        "/validate-databaseaccesspolicies", "Ignore",
                        "/mutate-queryapprovals", "Fail",
                        "/validate-queryapprovals", "Fail",
                        "/validate-queryapproval-status", "Fail",
                        "/validate-pod-ephemeralcontainers", "Fail",
                        "/validate-pod-exec", "Fail"));
        assertThat(chart.one(MutatingWebhookConfiguration.class, FULLNAME)
                        .getWebhooks()
                        .get(0)
                        .getNamespaceSelector()
                        .getMatchExpressions()
                        .get(0)
                        .getValues())
                .containsExactlyInAnyOrder(NAMESPACE, "kube-system", "monitoring");

        assertThatThrownBy(() -> render(Map.of("webhook.failurePolicy", "Sometimes")))
                .hasMessageContaining("webhook.failurePolicy must be Fail or Ignore");
        assertThatThrownBy(() -> render(Map.of("webhook.timeoutSeconds", 45)))
                .hasMessageContaining("webhook.timeoutSeconds must be between 1 and 30");
    }

    @Test
    void certManagerIssuesTheServingCertificateAndInjectsItsCa() {
        RenderedChart chart = render(CERT_MANAGER_AND_MONITOR);
        Deployment deployment = chart.one(Deployment.class, FULLNAME);
        Container operator =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> flags = flags(operator);
        assertThat(flags)
                .containsEntry("--webhook-tls-dir", "/etc/pgwarden/webhook-tls")
                .doesNotContainKeys("--webhook-service", "--webhook-configuration");

        HasMetadata certificate = chart.find("Certificate", "pgwarden-webhook").orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) ((GenericKubernetesResource) certificate)
                .getAdditionalProperties()
                .get("spec");
        assertThat(spec.get("dnsNames"))
                .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.LIST)
                .contains(WEBHOOK_SERVICE + "." + NAMESPACE + ".svc");
        assertThat(spec.get("issuerRef")).asString().contains("pgwarden-selfsigned");
        assertThat(chart.find("Issuer", "pgwarden-selfsigned")).isPresent();

        String secretName = (String) spec.get("secretName");
        var volume = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(v -> v.getSecret() != null)
                .findFirst()
                .orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo(secretName);
        assertThat(operator.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(volume.getName());
            assertThat(m.getMountPath()).isEqualTo("/etc/pgwarden/webhook-tls");
            assertThat(m.getReadOnly()).isTrue();
        });

        String injectFrom = NAMESPACE + "/pgwarden-webhook";
        assertThat(chart.one(MutatingWebhookConfiguration.class, FULLNAME)
                        .getMetadata()
                        .getAnnotations())
                .containsEntry("cert-manager.io/inject-ca-from", injectFrom);
        assertThat(chart.one(ValidatingWebhookConfiguration.class, FULLNAME)
                        .getMetadata()
                        .getAnnotations())
                .containsEntry("cert-manager.io/inject-ca-from", injectFrom);
        // cainjector writes caBundle: the operator gets no right to patch the configurations.
        assertThat(chart.all(ClusterRole.class))
                .flatExtracting(ClusterRole::getRules)
                .noneMatch(r -> r.getResources().stream().anyMatch(res -> res.endsWith("webhookconfigurations")));

        HasMetadata monitor = chart.find("ServiceMonitor", FULLNAME).orElseThrow();
        assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus");
        String rendered = ((GenericKubernetesResource) monitor)
                .getAdditionalProperties()
                .get("spec")
                .toString();
        assertThat(rendered).contains("port=http-metrics", "path=/metrics", "interval=30s");
        assertThat(chart.one(Service.class, FULLNAME + "-metrics")
                        .getSpec()
                        .getPorts()
                        .get(0)
                        .getName())
                .isEqualTo("http-metrics");
    }

    @Test
    void optionalObjectsAreOffByDefault() {
        RenderedChart chart = render(Map.of());
        assertThat(chart.objects)
                .extracting(HasMetadata::getKind)
                .doesNotContain("ServiceMonitor", "Certificate", "Issuer");
        assertThat(chart.one(PodDisruptionBudget.class, FULLNAME)
                        .getSpec()
                        .getMaxUnavailable()
                        .getIntVal())
                .isEqualTo(1);
    }

    @Test
    void sidecarRoleGrantsOnlyTheContractsApprovalVerbs() {
        ClusterRole sidecar = render(Map.of()).one(ClusterRole.class, "pgwarden-sidecar");
        assertThat(sidecar.getRules())
                .extracting(ChartTest::describe)
                .containsExactlyInAnyOrder(
                        "[pgwarden.dev] [queryapprovals] [] [list, watch, create, delete]",
                        "[pgwarden.dev] [queryapprovals/status] [] [patch]");
    }

    @Test
    void operatorRbacIsLeastPrivilege() {
        RenderedChart chart = render(Map.of());
        List<PolicyRule> rules = chart.one(ClusterRole.class, FULLNAME).getRules();
        // Exactly what the code calls: a verb added here needs a reason in the chart's comments.
        assertThat(rules)
                .extracting(ChartTest::describe)
                .containsExactlyInAnyOrder(
                        "[pgwarden.dev] [databaseaccesspolicies] [] [get, list, watch, update, patch]",
                        "[pgwarden.dev] [databaseaccesspolicies/status] [] [get, update, patch]",
                        "[pgwarden.dev] [databaseaccesspolicies/finalizers] [] [update]",
                        "[pgwarden.dev] [queryapprovals] [] [get, list, watch, delete]",
                        "[pgwarden.dev] [queryapprovals/status] [] [get, update, patch]",
                        "[] [secrets] [] [create, get, list, watch, update, delete]",
                        "[rbac.authorization.k8s.io] [rolebindings] [] [create, get, update, delete]",
                        "[events.k8s.io] [events] [] [create]",
                        "[rbac.authorization.k8s.io] [clusterroles] [pgwarden-sidecar] [bind]",
                        "[admissionregistration.k8s.io] [mutatingwebhookconfigurations, validatingwebhookconfigurations] [pgwarden] [get, patch]");
        // No escalation paths: bind, escalate and impersonate only as above; no RBAC writes but RoleBindings.
        assertThat(rules)
                .noneMatch(
                        r -> r.getVerbs().contains("escalate") || r.getVerbs().contains("impersonate"));
        assertThat(rules)
                .filteredOn(r -> r.getVerbs().contains("bind"))
                .allMatch(r -> r.getResourceNames().equals(List.of("pgwarden-sidecar")));
        assertThat(rules)
                .filteredOn(r -> r.getResources().contains("clusterroles")
                        || r.getResources().contains("roles")
                        || r.getResources().contains("clusterrolebindings"))
                .allMatch(r -> r.getVerbs().equals(List.of("bind")));

        Role own = chart.one(Role.class, FULLNAME);
        assertThat(own.getMetadata().getNamespace()).isEqualTo(NAMESPACE);
        assertThat(own.getRules())
                .extracting(ChartTest::describe)
                .containsExactlyInAnyOrder(
                        "[coordination.k8s.io] [leases] [] [create]",
                        "[coordination.k8s.io] [leases] [pgwarden-operator] [get, update, patch]",
                        "[] [secrets] [] [create]",
                        "[] [secrets] [pgwarden-webhook-tls] [get, update]");
        assertThat(chart.one(RoleBinding.class, FULLNAME).getRoleRef().getName())
                .isEqualTo(FULLNAME);
        assertThat(chart.one(ClusterRoleBinding.class, FULLNAME).getSubjects())
                .singleElement()
                .satisfies(s -> assertThat(s.getNamespace() + "/" + s.getName()).isEqualTo(NAMESPACE + "/pgwarden"));
    }

    @Test
    void watchedNamespacesKeepNamespacedRightsInThem() {
        RenderedChart chart = render(Map.of("watchNamespaces[0]", "agents", "watchNamespaces[1]", NAMESPACE));
        // Bound cluster-wide: only the webhook configurations.
        assertThat(chart.one(ClusterRole.class, FULLNAME).getRules())
                .extracting(ChartTest::describe)
                .containsExactly(
                        "[admissionregistration.k8s.io] [mutatingwebhookconfigurations, validatingwebhookconfigurations] [pgwarden] [get, patch]");
        assertThat(chart.one(ClusterRole.class, FULLNAME + "-namespaced").getRules())
                .anyMatch(r -> r.getResources().equals(List.of("secrets")));
        List<RoleBinding> perNamespace = chart.all(RoleBinding.class).stream()
                .filter(b -> b.getRoleRef().getName().equals(FULLNAME + "-namespaced"))
                .toList();
        assertThat(perNamespace)
                .extracting(b -> b.getMetadata().getNamespace())
                .containsExactlyInAnyOrder("agents", NAMESPACE);
        assertThat(perNamespace).allMatch(b -> b.getRoleRef().getKind().equals("ClusterRole"));
        assertThat(chart.all(ClusterRoleBinding.class))
                .allMatch(b -> b.getRoleRef().getName().equals(FULLNAME));
        // Unique (kind, namespace, name), even when the release namespace is watched too.
        assertThat(chart.objects)
                .extracting(o -> o.getKind() + "/" + o.getMetadata().getNamespace() + "/"
                        + o.getMetadata().getName())
                .doesNotHaveDuplicates();
    }

    @Test
    void noWildcardsInAnyRbacRule() {
        for (Map<String, Object> values : List.of(
                Map.<String, Object>of(),
                CERT_MANAGER_AND_MONITOR,
                Map.<String, Object>of("watchNamespaces[0]", "agents"))) {
            RenderedChart chart = render(values);
            List<PolicyRule> rules = new ArrayList<>();
            chart.all(ClusterRole.class).forEach(r -> rules.addAll(r.getRules()));
            chart.all(Role.class).forEach(r -> rules.addAll(r.getRules()));
            assertThat(rules).as("RBAC rules with %s", values).isNotEmpty().allSatisfy(rule -> {
                assertThat(rule.getVerbs()).doesNotContain("*");
                assertThat(rule.getResources()).isNotEmpty().doesNotContain("*").noneMatch(r -> r.endsWith("/*"));
                assertThat(rule.getApiGroups()).doesNotContain("*");
                assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
            });
            assertThat(chart.all(ClusterRole.class))
                    .allSatisfy(r -> assertThat(r.getAggregationRule()).isNull());
        }
    }

    private record Hook(
            String name,
            WebhookClientConfig client,
            String failurePolicy,
            String sideEffects,
            List<String> reviewVersions,
            Integer timeoutSeconds) {}

    /** The operator container's args as flag -> value, in order; fails on anything but --flag=value of the contract. */
    private static Map<String, String> flags(Container container) {
        assertThat(container.getCommand())
                .as("the image's ENTRYPOINT runs the jar")
                .isNullOrEmpty();
        Map<String, String> flags = new LinkedHashMap<>();
        for (String arg : container.getArgs()) {
            int eq = arg.indexOf('=');
            assertThat(eq).as("argument %s is --flag=value", arg).isPositive();
            String flag = arg.substring(0, eq);
            assertThat(CONTRACT_FLAGS)
                    .as("flag %s is in the operator contract", flag)
                    .contains(flag);
            assertThat(flags.put(flag, arg.substring(eq + 1)))
                    .as("%s given twice", flag)
                    .isNull();
        }
        return flags;
    }

    private static String rule(List<RuleWithOperations> rules) {
        assertThat(rules).hasSize(1);
        RuleWithOperations r = rules.get(0);
        return r.getApiGroups() + " " + String.join(",", r.getApiVersions()) + " " + String.join(",", r.getResources())
                + " " + r.getOperations();
    }

    private static String describe(PolicyRule r) {
        return r.getApiGroups() + " " + r.getResources() + " " + r.getResourceNames() + " " + r.getVerbs();
    }

    private static List<String> fileNames(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

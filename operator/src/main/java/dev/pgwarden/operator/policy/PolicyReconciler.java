package dev.pgwarden.operator.policy;

import dev.pgwarden.api.cluster.PgwardenAnnotations;
import dev.pgwarden.api.cluster.PgwardenLabels;
import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.api.policy.PolicyProblem;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicyStatus;
import dev.pgwarden.api.v1alpha1.DatabaseTarget;
import dev.pgwarden.api.v1alpha1.IssuedCredentials;
import dev.pgwarden.operator.events.EventRecorder;
import dev.pgwarden.operator.policy.CredentialsSecret.Issued;
import dev.pgwarden.operator.policy.ReconcileProblem.Reason;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a policy's database roles and credentials Secret as the policy says: a NOLOGIN group with
 * the grants, a current short-lived LOGIN role in it, rotation before expiry, expired roles
 * dropped, and everything removed when the policy goes (the finalizer).
 */
@ControllerConfiguration(name = PolicyReconciler.NAME, finalizerName = PolicyReconciler.FINALIZER,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 10, timeUnit = TimeUnit.MINUTES))
public final class PolicyReconciler implements Reconciler<DatabaseAccessPolicy>, Cleaner<DatabaseAccessPolicy> {
  public static final String NAME = "databaseaccesspolicy";
  public static final String FINALIZER = "pgwarden.dev/database-roles";
  static final Duration DEFAULT_TTL = Duration.ofHours(1);
  static final Duration MIN_TTL = Duration.ofMinutes(1);
  private static final Duration CLEANUP_RETRY = Duration.ofSeconds(30);
  private static final Duration EXPIRY_RETRY = Duration.ofMinutes(1);
  private static final Logger log = LoggerFactory.getLogger(PolicyReconciler.class);

  private final KubernetesClient client;
  private final EventRecorder events;
  private final Clock clock;
  private final AdminSecrets adminSecrets;
  private final SidecarAccess sidecarAccess;
  private final PolicyValidator validator = new PolicyValidator(PolicyValidator.Use.CLUSTER);

  public PolicyReconciler(KubernetesClient client, EventRecorder events, Clock clock) {
    this.client = client;
    this.events = events;
    this.clock = clock;
    this.adminSecrets = new AdminSecrets(client);
    this.sidecarAccess = new SidecarAccess(client);
  }

  /**
   * The credentials Secrets pgwarden wrote: a Secret deleted or edited by hand is rewritten at
   * once instead of at the next periodic reconcile.
   */
  @Override
  public List<EventSource<?, DatabaseAccessPolicy>> prepareEventSources(EventSourceContext<DatabaseAccessPolicy> context) {
    InformerEventSourceConfiguration<Secret> secrets = InformerEventSourceConfiguration
        .from(Secret.class, DatabaseAccessPolicy.class)
        .withName("credentials-secrets")
        .withLabelSelector(PgwardenLabels.MANAGED_BY + "=" + PgwardenLabels.MANAGED_BY_PGWARDEN)
        .withNamespacesInheritedFromController()
        .withSecondaryToPrimaryMapper(secret -> {
          String policy = secret.getMetadata().getLabels().get(PgwardenLabels.POLICY);
          return policy == null ? Set.of() : Set.of(new ResourceID(policy, secret.getMetadata().getNamespace()));
        })
        .build();
    return List.of(new InformerEventSource<>(secrets, context));
  }

  @Override
  public UpdateControl<DatabaseAccessPolicy> reconcile(DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
    Instant now = clock.instant();
    List<String> problems = problems(policy);
    if (!problems.isEmpty()) {
      // Nothing is granted or minted until the spec changes (a new generation triggers a reconcile),
      // but credentials already handed out still expire on time.
      Secret applied = ownSecret(policy);
      Optional<Duration> nextExpiry = endExpiredLogins(policy, applied, now);
      String message = "the policy is invalid: " + String.join("; ", problems) + ". Fix the spec and apply it again."
          + inForce(applied, now);
      if (!alreadyReportedInvalid(policy)) {
        events.record(policy, EventRecorder.Type.Warning, Reason.InvalidPolicy.name(), "Validate", message);
      }
      UpdateControl<DatabaseAccessPolicy> control = UpdateControl.patchStatus(withStatus(policy, false,
          Reason.InvalidPolicy.name(), message, false, "NoProblem", "", credentialsOf(policy), now));
      return nextExpiry.map(control::rescheduleAfter).orElse(control);
    }
    Duration ttl = ttl(policy);
    Secret existing = currentSecret(policy);
    DatabaseTarget applied = appliedTarget(existing);
    if (applied != null && !sameDatabase(applied, policy.getSpec().database())) {
      endExpiredLogins(policy, existing, now);
      // The webhook refuses this edit; without the webhook, nothing is granted in the new database.
      throw new ReconcileProblem(Reason.DatabaseChanged, "spec.database now names " + where(policy.getSpec().database())
          + " but the policy's roles live in " + where(applied) + "; put spec.database back, or delete the policy"
          + " (its roles are dropped) and create it again for the other database");
    }
    AdminCredentials admin = adminSecrets.read(policy);
    RoleNames names = RoleNames.of(policy.getMetadata().getNamespace(), policy.getMetadata().getName());
    Issued issued;
    Duration recheck;
    List<String> drift;
    try (Connection connection = connect(policy.getSpec().database(), admin)) {
      RoleManager roles = new RoleManager(connection);
      // Expired credentials end first, whatever fails further down.
      recordDropped(policy, ExpiredLogins.end(roles, names, now, null));
      DatabaseTarget db = policy.getSpec().database();
      drift = new ArrayList<>(roles.ensureGroup(names, db.name(), policy.getSpec().access().mode(),
          policy.getSpec().access().schemasOrDefault()));
      drift.addAll(new ExcessPrivileges(connection, roles).revokeOrReport(names, policy.getSpec().access().mode(),
          policy.getSpec().access().schemasOrDefault()));
      Issued held = CredentialsSecret.issued(existing);
      List<LoginRole> logins = roles.logins(names);
      CredentialPlan plan = CredentialPlan.decide(now, ttl, logins, held == null ? null : held.username());
      for (LoginRole role : plan.shorten()) {
        roles.expireAt(role.name(), now.plus(ttl));
      }
      if (plan.keep().isPresent()) {
        issued = new Issued(held.username(), held.password(), plan.keep().get().validUntil());
      } else {
        String login = names.newLogin(now);
        Instant until = now.plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        issued = new Issued(login, roles.mintLogin(names.group(), login, until), until);
      }
      try {
        writeSecret(policy, issued, existing);
      } catch (RuntimeException e) {
        if (plan.keep().isEmpty()) {
          // Nobody will ever learn this role's password: drop it now rather than let retries pile roles up.
          roles.dropLogin(issued.username());
        }
        throw e;
      }
      if (plan.keep().isEmpty()) {
        events.record(policy, EventRecorder.Type.Normal, held == null ? "CredentialsIssued" : "CredentialsRotated",
            "Mint", "role " + issued.username() + " valid until " + issued.expiresAt() + " in Secret "
                + CredentialsSecret.name(policy.getMetadata().getName()));
      }
      List<LoginRole> others = roles.logins(names).stream().filter(r -> !r.name().equals(issued.username())).toList();
      recheck = CredentialPlan.recheckAfter(now, ttl, issued.expiresAt(), others);
    } catch (SQLException e) {
      throw databaseProblem(policy.getSpec().database(), e);
    }
    try {
      sidecarAccess.reconcile(policy);
    } catch (KubernetesClientException e) {
      throw new ReconcileProblem(Reason.KubernetesError, "could not bind the sidecar's role for approvals: "
          + e.getMessage(), e);
    }
    String message = "role " + issued.username() + " is valid until " + issued.expiresAt() + "; sidecars read it"
        + " from Secret " + CredentialsSecret.name(policy.getMetadata().getName());
    IssuedCredentials credentials = new IssuedCredentials(CredentialsSecret.name(policy.getMetadata().getName()),
        issued.username(), issued.expiresAt().toString());
    log.info("policy {}/{}: {}", policy.getMetadata().getNamespace(), policy.getMetadata().getName(), message);
    if (!drift.isEmpty()) {
      // Still Ready: agents get their credentials, with privileges that differ from the policy only
      // where the admin role has no say; Degraded lists each difference and who can fix it.
      String shown = String.join(" | ", drift.subList(0, Math.min(5, drift.size())))
          + (drift.size() > 5 ? " | and " + (drift.size() - 5) + " more" : "");
      String degraded = "the privileges of group " + names.group() + " differ from the policy where the admin role"
          + " cannot change them: " + shown;
      events.record(policy, EventRecorder.Type.Warning, Reason.PrivilegeDrift.name(), "Grant", degraded);
      return UpdateControl.patchStatus(withStatus(policy, true, "CredentialsIssued", message, true,
          Reason.PrivilegeDrift.name(), degraded, credentials, now)).rescheduleAfter(recheck);
    }
    return UpdateControl.patchStatus(withStatus(policy, true, "CredentialsIssued", message, false, "NoProblem", "",
        credentials, now)).rescheduleAfter(recheck);
  }

  @Override
  public ErrorStatusUpdateControl<DatabaseAccessPolicy> updateErrorStatus(DatabaseAccessPolicy policy,
      Context<DatabaseAccessPolicy> context, Exception e) {
    Instant now = clock.instant();
    ReconcileProblem problem = e instanceof ReconcileProblem p ? p
        : new ReconcileProblem(Reason.KubernetesError, String.valueOf(e.getMessage()), e);
    IssuedCredentials credentials = credentialsOf(policy);
    // Sidecars keep working while the credential they hold is valid: Ready says whether agents can connect.
    boolean stillServing = credentials != null && credentials.expiresAt() != null
        && Instant.parse(credentials.expiresAt()).isAfter(now);
    String message = problem.getMessage() + "; retrying with backoff";
    log.warn("policy {}/{}: {}", policy.getMetadata().getNamespace(), policy.getMetadata().getName(), message);
    events.record(policy, EventRecorder.Type.Warning, problem.reason().name(), "Reconcile", message);
    Long generation = policy.getMetadata().getGeneration();
    DatabaseAccessPolicyStatus previous = policy.getStatus();
    List<Condition> conditions = previous == null ? null : previous.conditions();
    // While the old credential serves, Ready stays exactly as it was, generation included: the new
    // spec was not applied, and status must not say it was. observedGeneration moves only on success.
    if (!stillServing || Conditions.find(conditions, Conditions.READY) == null) {
      conditions = Conditions.set(conditions, Conditions.READY, false, problem.reason().name(), message, generation, now);
    }
    conditions = Conditions.set(conditions, Conditions.DEGRADED, true, problem.reason().name(), message, generation, now);
    policy.setStatus(new DatabaseAccessPolicyStatus(previous == null ? null : previous.observedGeneration(), conditions,
        credentials));
    return ErrorStatusUpdateControl.patchStatus(policy);
  }

  @Override
  public DeleteControl cleanup(DatabaseAccessPolicy policy, Context<DatabaseAccessPolicy> context) {
    String id = policy.getMetadata().getNamespace() + "/" + policy.getMetadata().getName();
    boolean skip = "true".equals(policy.getMetadata().getAnnotations() == null ? null
        : policy.getMetadata().getAnnotations().get(PgwardenAnnotations.SKIP_DATABASE_CLEANUP));
    try {
      if (!skip && policy.getSpec() != null && policy.getSpec().database() != null
          && policy.getSpec().database().adminSecretRef() != null) {
        AdminCredentials admin = adminSecrets.read(policy);
        DatabaseTarget applied = appliedTarget(client.secrets().inNamespace(policy.getMetadata().getNamespace())
            .withName(CredentialsSecret.name(policy.getMetadata().getName())).get());
        DatabaseTarget target = applied != null ? applied : policy.getSpec().database();
        try (Connection connection = connect(target, admin)) {
          if (!new RoleManager(connection).dropGroup(RoleNames.of(policy.getMetadata().getNamespace(),
              policy.getMetadata().getName()))) {
            log.info("policy {}: its group role is not pgwarden's (no pgwarden comment); left in place", id);
          }
        } catch (SQLException e) {
          throw databaseProblem(policy.getSpec().database(), e);
        }
      }
      Secret secret = client.secrets().inNamespace(policy.getMetadata().getNamespace())
          .withName(CredentialsSecret.name(policy.getMetadata().getName())).get();
      if (secret != null && CredentialsSecret.managedByUs(secret)) {
        client.resource(secret).delete();
      }
      sidecarAccess.remove(policy);
      log.info("policy {} deleted: roles dropped, Secret and RoleBinding removed", id);
      return DeleteControl.defaultDelete();
    } catch (ReconcileProblem | KubernetesClientException e) {
      String message = "could not remove the policy's database roles: " + e.getMessage() + ". pgwarden retries every "
          + CLEANUP_RETRY.toSeconds() + "s; to delete the policy without dropping them, annotate it "
          + PgwardenAnnotations.SKIP_DATABASE_CLEANUP + "=true";
      log.warn("policy {}: {}", id, message);
      events.record(policy, EventRecorder.Type.Warning, "CleanupFailed", "Delete", message);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(CLEANUP_RETRY.toMillis());
    }
  }

  /**
   * Drops expired logins while the spec cannot be applied, in the database the Secret's policy
   * (the last one applied) names, with that policy's admin Secret: an invalid edit must not keep
   * a credential alive past its expiry. Returns when to look again, if anything is left to expire.
   */
  private Optional<Duration> endExpiredLogins(DatabaseAccessPolicy policy, Secret applied, Instant now) {
    DatabaseAccessPolicy carried = applied == null ? null
        : CredentialsSecret.carriedPolicy(applied, client.getKubernetesSerialization());
    if (carried == null || carried.getSpec() == null || carried.getSpec().database() == null
        || carried.getSpec().database().adminSecretRef() == null) {
      return Optional.empty();
    }
    // The Secret sits in the policy's namespace; its copy of the policy must not point elsewhere.
    carried.getMetadata().setNamespace(policy.getMetadata().getNamespace());
    RoleNames names = RoleNames.of(policy.getMetadata().getNamespace(), policy.getMetadata().getName());
    try (Connection connection = connect(carried.getSpec().database(), adminSecrets.read(carried))) {
      ExpiredLogins.Sweep swept = ExpiredLogins.end(new RoleManager(connection), names, now, null);
      recordDropped(policy, swept);
      return swept.nextExpiry().map(next -> {
        Duration wait = Duration.between(now, next).plusSeconds(1);
        return wait.compareTo(CredentialPlan.MIN_RECHECK) < 0 ? CredentialPlan.MIN_RECHECK : wait;
      });
    } catch (ReconcileProblem | SQLException | KubernetesClientException e) {
      String message = "could not end expired roles of the last applied policy: " + e.getMessage()
          + "; retrying in " + EXPIRY_RETRY.toSeconds() + "s";
      log.warn("policy {}/{}: {}", policy.getMetadata().getNamespace(), policy.getMetadata().getName(), message);
      events.record(policy, EventRecorder.Type.Warning, "ExpiryFailed", "Drop", message);
      return Optional.of(EXPIRY_RETRY);
    }
  }

  private void recordDropped(DatabaseAccessPolicy policy, ExpiredLogins.Sweep swept) {
    for (String role : swept.dropped()) {
      events.record(policy, EventRecorder.Type.Normal, "RoleDropped", "Drop",
          "expired role " + role + " dropped and its sessions ended");
    }
  }

  /** This generation's invalidity is already in status (and was recorded as an event then). */
  private static boolean alreadyReportedInvalid(DatabaseAccessPolicy policy) {
    Condition ready = policy.getStatus() == null ? null : Conditions.find(policy.getStatus().conditions(), Conditions.READY);
    return ready != null && Reason.InvalidPolicy.name().equals(ready.getReason())
        && java.util.Objects.equals(ready.getObservedGeneration(), policy.getMetadata().getGeneration());
  }

  /** For an invalid policy's message: what sidecars keep enforcing meanwhile. */
  private String inForce(Secret applied, Instant now) {
    DatabaseAccessPolicy carried = applied == null ? null
        : CredentialsSecret.carriedPolicy(applied, client.getKubernetesSerialization());
    Issued issued = CredentialsSecret.issued(applied);
    if (carried == null || issued == null || !issued.expiresAt().isAfter(now)) {
      return " No valid credentials are issued until then.";
    }
    return " Until then sidecars keep the last valid policy (generation " + carried.getMetadata().getGeneration()
        + ") and role " + issued.username() + ", which expires at " + issued.expiresAt() + " and is not renewed.";
  }

  /** The credentials Secret if pgwarden wrote it; a foreign Secret of that name is none of ours. */
  private Secret ownSecret(DatabaseAccessPolicy policy) {
    Secret secret = client.secrets().inNamespace(policy.getMetadata().getNamespace())
        .withName(CredentialsSecret.name(policy.getMetadata().getName())).get();
    return secret != null && CredentialsSecret.managedByUs(secret) ? secret : null;
  }

  /** What the CRD schema cannot check, plus what only the operator needs. */
  private List<String> problems(DatabaseAccessPolicy policy) {
    List<String> out = validator.validate(policy).stream().map(PolicyProblem::toString)
        .collect(Collectors.toCollection(ArrayList::new));
    if (policy.getSpec() != null && policy.getSpec().database() != null
        && policy.getSpec().database().adminSecretRef() == null) {
      out.add("spec.database.adminSecretRef: required: the Secret (keys username, password) pgwarden mints roles with");
    }
    if (policy.getSpec() != null && policy.getSpec().database() != null && policy.getSpec().database().host() != null
        && !DatabaseAdmin.validHost(policy.getSpec().database().host())) {
      out.add("spec.database.host: must be a host name or an IP address");
    }
    if (policy.getSpec() != null && policy.getSpec().access() != null && out.isEmpty()
        && ttl(policy).compareTo(MIN_TTL) < 0) {
      out.add("spec.access.credentialTTL: must be at least 1m, so a credential can be rotated before it expires");
    }
    return out;
  }

  /** The database the roles were made in: the one in the policy the Secret last carried. */
  private DatabaseTarget appliedTarget(Secret secret) {
    if (secret == null || !CredentialsSecret.managedByUs(secret)) {
      return null;
    }
    DatabaseAccessPolicy carried = CredentialsSecret.carriedPolicy(secret, client.getKubernetesSerialization());
    return carried == null || carried.getSpec() == null ? null : carried.getSpec().database();
  }

  private static boolean sameDatabase(DatabaseTarget a, DatabaseTarget b) {
    return java.util.Objects.equals(a.host(), b.host()) && a.portOrDefault() == b.portOrDefault()
        && java.util.Objects.equals(a.name(), b.name());
  }

  private static Duration ttl(DatabaseAccessPolicy policy) {
    String text = policy.getSpec().access().credentialTTL();
    return text == null ? DEFAULT_TTL : Durations.parse(text);
  }

  private Secret currentSecret(DatabaseAccessPolicy policy) {
    String name = CredentialsSecret.name(policy.getMetadata().getName());
    Secret secret = client.secrets().inNamespace(policy.getMetadata().getNamespace()).withName(name).get();
    if (secret != null && !CredentialsSecret.managedByUs(secret)) {
      throw new ReconcileProblem(Reason.KubernetesError, "Secret " + name + " exists but pgwarden did not create it;"
          + " rename or delete it so pgwarden can write the policy's credentials there");
    }
    return secret;
  }

  private void writeSecret(DatabaseAccessPolicy policy, Issued issued, Secret existing) {
    Secret desired = CredentialsSecret.desired(policy, issued, existing, client.getKubernetesSerialization());
    if (existing == null) {
      client.resource(desired).create();
    } else if (!CredentialsSecret.sameData(existing, desired)) {
      // Carries the resourceVersion read above: a concurrent writer makes this fail and the reconcile retry.
      client.resource(desired).update();
    }
  }

  private static Connection connect(DatabaseTarget db, AdminCredentials admin) {
    try {
      return DatabaseAdmin.connect(db, admin);
    } catch (SQLException e) {
      throw new ReconcileProblem(Reason.DatabaseUnavailable, "cannot connect to " + where(db) + " as "
          + admin.username() + ": " + e.getMessage() + sqlState(e), e);
    }
  }

  private static ReconcileProblem databaseProblem(DatabaseTarget db, SQLException e) {
    return new ReconcileProblem(Reason.DatabaseError, "managing roles in " + where(db) + " failed: " + e.getMessage()
        + sqlState(e), e);
  }

  private static String where(DatabaseTarget db) {
    return "database " + db.name() + " at " + db.host() + ":" + db.portOrDefault();
  }

  private static String sqlState(SQLException e) {
    return e.getSQLState() == null ? "" : " (SQLSTATE " + e.getSQLState() + ")";
  }

  private static IssuedCredentials credentialsOf(DatabaseAccessPolicy policy) {
    return policy.getStatus() == null ? null : policy.getStatus().credentials();
  }

  private static DatabaseAccessPolicy withStatus(DatabaseAccessPolicy policy, boolean ready, String readyReason,
      String readyMessage, boolean degraded, String degradedReason, String degradedMessage,
      IssuedCredentials credentials, Instant now) {
    Long generation = policy.getMetadata().getGeneration();
    List<Condition> conditions = policy.getStatus() == null ? null : policy.getStatus().conditions();
    conditions = Conditions.set(conditions, Conditions.READY, ready, readyReason, readyMessage, generation, now);
    conditions = Conditions.set(conditions, Conditions.DEGRADED, degraded, degradedReason, degradedMessage,
        generation, now);
    policy.setStatus(new DatabaseAccessPolicyStatus(generation, conditions, credentials));
    return policy;
  }
}

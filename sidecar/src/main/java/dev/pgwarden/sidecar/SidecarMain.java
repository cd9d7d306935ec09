package dev.pgwarden.sidecar;

import dev.pgwarden.api.policy.PolicyLoader;
import dev.pgwarden.api.policy.PolicyValidator;
import dev.pgwarden.api.v1alpha1.DatabaseAccessPolicy;
import dev.pgwarden.sidecar.audit.JsonLinesAuditSink;
import dev.pgwarden.sidecar.upstream.UpstreamConfig;
import dev.pgwarden.sidecar.upstream.UpstreamUrl;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The sidecar process: one proxy, its ops endpoint, audit on stdout. */
@Command(name = "pgwarden-sidecar", mixinStandardHelpOptions = true,
    description = "Governs an agent's PostgreSQL connections: token identity, statement audit.")
public final class SidecarMain implements Callable<Integer> {
  @Option(names = "--policy", required = true, description = "DatabaseAccessPolicy YAML file.")
  Path policyFile;

  @Option(names = "--upstream", required = true, description = "postgresql://user[:password]@host:port/db[?sslmode=...]")
  String upstreamUrl;

  @Option(names = "--upstream-password-file", description = "File holding the upstream role's password (keeps it out of argv).")
  Path upstreamPasswordFile;

  @Option(names = "--listen", defaultValue = "127.0.0.1:5432", description = "Address agents connect to. Default ${DEFAULT-VALUE}.")
  String listen;

  @Option(names = "--admin-listen", defaultValue = "0.0.0.0:9187", description = "Health, readiness and metrics. Default ${DEFAULT-VALUE}.")
  String adminListen;

  @Option(names = "--kubernetes-issuer", description = "Issuer of the cluster's service-account tokens.")
  String kubernetesIssuer;

  @Option(names = "--kubernetes-jwks-uri", description = "JWKS URL of the cluster's service-account issuer (default: discovery).")
  String kubernetesJwksUri;

  @Option(names = "--tls-cert", description = "PEM certificate chain: answer SSLRequest with TLS.")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key for --tls-cert.")
  Path tlsKey;

  @Option(names = "--max-message-size", defaultValue = "67108864", description = "Largest Query/Parse/Bind in bytes. Default ${DEFAULT-VALUE}.")
  int maxMessageSize;

  @Mixin
  RelayOptions relay = new RelayOptions();

  @Override
  public Integer call() throws Exception {
    long began = System.nanoTime();
    DatabaseAccessPolicy policy = new PolicyLoader(PolicyValidator.Use.LOCAL).load(policyFile);
    String password = upstreamPasswordFile == null ? System.getenv("PGWARDEN_UPSTREAM_PASSWORD")
        : Files.readString(upstreamPasswordFile).strip();
    UpstreamConfig upstream = UpstreamUrl.parse(upstreamUrl, password);
    Gateway gateway = Gateway.start(new ProxyConfig(Addresses.parse(listen), policy, upstream, List.of(),
        kubernetesIssuer, kubernetesJwksUri, tlsCert, tlsKey, maxMessageSize,
        ProxyConfig.DEFAULT_AUTHENTICATION_TIMEOUT, relay.eventLoops(), relay.transport(),
        new JsonLinesAuditSink(new FileOutputStream(FileDescriptor.out)),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), null), Addresses.parse(adminListen));
    System.err.printf("pgwarden-sidecar ready in %d ms: listening on %s, ops on %s, policy %s%n",
        Duration.ofNanos(System.nanoTime() - began).toMillis(), gateway.proxy().address(), gateway.ops().address(),
        policy.getMetadata().getName());
    gateway.runUntilShutdown();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SidecarMain()).execute(args));
  }
}

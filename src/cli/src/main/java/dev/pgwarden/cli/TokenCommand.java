package dev.pgwarden.cli;

import dev.pgwarden.api.policy.Durations;
import dev.pgwarden.sidecar.identity.LocalIssuer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Mints another token from the running {@code pgwarden local}'s issuer. */
@Command(
        name = "token",
        mixinStandardHelpOptions = true,
        description = "Print a fresh token (and, with --url, a connection URL) for the running `pgwarden local`.")
public final class TokenCommand implements Callable<Integer> {
    @Option(
            names = "--user",
            defaultValue = "agent",
            description = "Subject of the token (local:USER). Default ${DEFAULT-VALUE}.")
    String user;

    @Option(names = "--ttl", defaultValue = "1h", description = "Lifetime, e.g. 15m or 2h. Default ${DEFAULT-VALUE}.")
    String ttl;

    @Option(names = "--url", description = "Print PGWARDEN_URL=... instead of the bare token.")
    boolean url;

    @Option(names = "--state-dir", description = "Where `pgwarden local` keeps its state. Default ~/.pgwarden/local.")
    Path stateDir;

    @Override
    public Integer call() throws Exception {
        LocalState state = LocalState.read(stateDir == null ? LocalState.defaultDirectory() : stateDir);
        String token = LocalIssuer.mint(state.key(), state.issuer(), user, Durations.parse(ttl));
        System.out.println(url ? "PGWARDEN_URL=" + state.url(user, token) : token);
        return 0;
    }
}

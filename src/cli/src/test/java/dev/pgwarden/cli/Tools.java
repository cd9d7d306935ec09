package dev.pgwarden.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The programs the client matrix runs. A missing one fails the test with what to install: nothing
 * may skip (see the testkit's SkipGuard), and .ci/run installs them all.
 */
record Tools(String node, String python) {
    static Tools find() throws Exception {
        List<String> missing = new ArrayList<>();
        if (!runs("psql", "--version")) {
            missing.add("psql (Debian: postgresql-client)");
        }
        if (!runs("node", "--version")) {
            missing.add("node (Debian: nodejs)");
        }
        if (!Files.isDirectory(ClientMatrixTest.CLIENTS.resolve("node_modules"))) {
            missing.add("the Node clients: npm ci --prefix " + ClientMatrixTest.CLIENTS.toAbsolutePath());
        }
        // Debian's package installs for Debian's Python; a python3 of another origin may come first on PATH.
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        if (!runs(python, "-c", "import psycopg2")) {
            missing.add("psycopg2 for " + python + " (Debian: python3-psycopg2)");
        }
        if (!missing.isEmpty()) {
            throw new AssertionError(
                    "the client matrix needs " + String.join(", ", missing) + "; .ci/run installs them");
        }
        return new Tools("node", python);
    }

    private static boolean runs(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    ProcessBuilder node(Map<String, String> env, String... args) {
        return in(env, node, args);
    }

    ProcessBuilder python(Map<String, String> env, String... args) {
        return in(env, python, args);
    }

    /** Runs in the clients' directory, where node_modules and the scripts are, with exactly env. */
    private static ProcessBuilder in(Map<String, String> env, String program, String... args) {
        List<String> command = new ArrayList<>(List.of(program));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ClientMatrixTest.CLIENTS.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb;
    }
}

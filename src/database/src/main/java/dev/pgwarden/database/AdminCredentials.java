package dev.pgwarden.database;

/**
 * Who pgwarden logs in as to manage a policy's roles: in a cluster, keys {@code username} and
 * {@code password} of the Secret {@code spec.database.adminSecretRef} names; in local mode, the login
 * it is given.
 */
public record AdminCredentials(String username, String password) {
    @Override
    public String toString() {
        return "AdminCredentials[username=" + username + ", password=***]";
    }
}

package dev.pgwarden.operator.policy;

/**
 * What the operator logs in with to manage a policy's roles: keys {@code username} and
 * {@code password} of the Secret {@code spec.database.adminSecretRef} names.
 */
public record AdminCredentials(String username, String password) {
  @Override
  public String toString() {
    return "AdminCredentials[username=" + username + ", password=***]";
  }
}

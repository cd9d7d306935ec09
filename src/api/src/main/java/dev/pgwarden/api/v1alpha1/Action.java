package dev.pgwarden.api.v1alpha1;

/** What happens to a statement. Declared from mildest to strictest: ordinal order is strictness. */
public enum Action {
    Allow,
    RequireApproval,
    Deny;

    public Action strictest(Action other) {
        return other != null && other.ordinal() > ordinal() ? other : this;
    }
}

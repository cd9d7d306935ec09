/**
 * The {@code pgwarden.dev/v1alpha1} custom resources. Field names are a contract with users'
 * manifests: see DESIGN.md before renaming anything.
 */
package dev.pgwarden.api.v1alpha1;

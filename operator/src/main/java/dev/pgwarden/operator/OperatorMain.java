package dev.pgwarden.operator;

/** Placeholder until the wiring lands; replaced in this change series. */
public final class OperatorMain {
  private OperatorMain() {
  }

  public static void main(String[] args) {
    throw new UnsupportedOperationException("not wired yet");
  }
}

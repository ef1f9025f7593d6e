package io.lambdaflow.cli;

/** {@code bin/lambda}: see {@link Launcher}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(new Launcher(System.out, System.err).run(args));
  }
}

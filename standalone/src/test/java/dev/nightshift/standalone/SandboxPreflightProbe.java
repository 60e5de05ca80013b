package dev.nightshift.standalone;

/** The standalone's sandbox preflight in a JVM of its own, for InstallStepTest to run where the test's JVM is not. */
final class SandboxPreflightProbe {

    private SandboxPreflightProbe() {
    }

    public static void main(String[] args) throws Exception {
        SandboxPreflight preflight = SandboxPreflight.ofThisMachine();
        System.out.println(preflight.passes() ? "preflight passes" : "preflight refuses: " + preflight.refusal());
        System.exit(preflight.passes() ? 0 : 1);
    }
}

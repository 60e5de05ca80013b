package dev.nightshift.dispatch.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * Any other CLI: its binary and fixed arguments, the prompt as the last argument (after {@code --}) or on
 * stdin, and everything it prints on stdout as the result. Exit code 0 is success. It prints no usage, so
 * dispatch cannot stop it at a cost: its wall time is its budget.
 *
 * @param args        arguments before the prompt
 * @param promptOnStdin the prompt goes to stdin instead of the argv
 * @param maxResultChars what is kept of stdout as the result (its end, where answers are)
 */
public record CommandAdapter(String name, List<String> args, boolean promptOnStdin, int maxResultChars) implements AgentAdapter {

    public CommandAdapter {
        args = List.copyOf(args);
    }

    @Override
    public List<String> command(String binary, AgentRequest request) {
        List<String> argv = new ArrayList<>();
        argv.add(binary);
        argv.addAll(args);
        if (!promptOnStdin) {
            argv.add("--");
            argv.add(request.prompt());
        }
        return argv;
    }

    @Override
    public String input(AgentRequest request) {
        return promptOnStdin ? request.prompt() : null;
    }

    @Override
    public LineParser newParser(AgentRequest request) {
        StringBuilder out = new StringBuilder();
        return new LineParser() {
            @Override
            public List<AgentSignal> parse(String line) {
                out.append(line).append('\n');
                if (out.length() > 2 * maxResultChars) {
                    out.delete(0, out.length() - maxResultChars);
                }
                return List.of();
            }

            @Override
            public List<AgentSignal> finish() {
                String text = out.length() > maxResultChars ? out.substring(out.length() - maxResultChars) : out.toString();
                return List.of(new AgentSignal.Result("success", false, text.strip(), null, null, null, null));
            }
        };
    }
}

package dev.nightshift.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;


/**
 * GitHub webhook deliveries in GitHub's format (the shapes of the examples in GitHub's "Webhook events and
 * payloads", with every field a real delivery carries around the ones Nightshift reads), signed as GitHub
 * signs them.
 */
public final class GitHubWebhooks {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private GitHubWebhooks() {
    }

    public static String user(String login, String type) {
        return """
                {"login":"%1$s","id":21031067,"node_id":"MDQ6VXNlcjIxMDMxMDY3","avatar_url":"https://avatars.githubusercontent.com/u/21031067?v=4",\
                "gravatar_id":"","url":"https://api.github.com/users/%1$s","html_url":"https://github.com/%1$s",\
                "followers_url":"https://api.github.com/users/%1$s/followers","following_url":"https://api.github.com/users/%1$s/following{/other_user}",\
                "gists_url":"https://api.github.com/users/%1$s/gists{/gist_id}","starred_url":"https://api.github.com/users/%1$s/starred{/owner}{/repo}",\
                "subscriptions_url":"https://api.github.com/users/%1$s/subscriptions","organizations_url":"https://api.github.com/users/%1$s/orgs",\
                "repos_url":"https://api.github.com/users/%1$s/repos","events_url":"https://api.github.com/users/%1$s/events{/privacy}",\
                "received_events_url":"https://api.github.com/users/%1$s/received_events","type":"%2$s","user_view_type":"public","site_admin":false}"""
                .formatted(login, type);
    }

    public static String label(String name) {
        return """
                {"id":208045946,"node_id":"MDU6TGFiZWwyMDgwNDU5NDY=","url":"https://api.github.com/repos/acme/api/labels/%1$s",\
                "name":"%1$s","color":"f29513","default":false,"description":null}""".formatted(name);
    }

    public static String repository(String fullName) {
        String owner = fullName.substring(0, fullName.indexOf('/'));
        String name = fullName.substring(fullName.indexOf('/') + 1);
        String api = "https://api.github.com/repos/" + fullName;
        return """
                {"id":186853002,"node_id":"MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=","name":"%2$s","full_name":"%1$s","private":false,\
                "owner":%3$s,"html_url":"https://github.com/%1$s","description":null,"fork":false,"url":"%4$s",\
                "forks_url":"%4$s/forks","keys_url":"%4$s/keys{/key_id}","collaborators_url":"%4$s/collaborators{/collaborator}",\
                "teams_url":"%4$s/teams","hooks_url":"%4$s/hooks","issue_events_url":"%4$s/issues/events{/number}",\
                "events_url":"%4$s/events","assignees_url":"%4$s/assignees{/user}","branches_url":"%4$s/branches{/branch}",\
                "tags_url":"%4$s/tags","blobs_url":"%4$s/git/blobs{/sha}","git_tags_url":"%4$s/git/tags{/sha}",\
                "git_refs_url":"%4$s/git/refs{/sha}","trees_url":"%4$s/git/trees{/sha}","statuses_url":"%4$s/statuses/{sha}",\
                "languages_url":"%4$s/languages","stargazers_url":"%4$s/stargazers","contributors_url":"%4$s/contributors",\
                "subscribers_url":"%4$s/subscribers","subscription_url":"%4$s/subscription","commits_url":"%4$s/commits{/sha}",\
                "git_commits_url":"%4$s/git/commits{/sha}","comments_url":"%4$s/comments{/number}",\
                "issue_comment_url":"%4$s/issues/comments{/number}","contents_url":"%4$s/contents/{+path}",\
                "compare_url":"%4$s/compare/{base}...{head}","merges_url":"%4$s/merges","archive_url":"%4$s/{archive_format}{/ref}",\
                "downloads_url":"%4$s/downloads","issues_url":"%4$s/issues{/number}","pulls_url":"%4$s/pulls{/number}",\
                "milestones_url":"%4$s/milestones{/number}","notifications_url":"%4$s/notifications{?since,all,participating}",\
                "labels_url":"%4$s/labels{/name}","releases_url":"%4$s/releases{/id}","deployments_url":"%4$s/deployments",\
                "created_at":"2019-05-15T15:19:25Z","updated_at":"2026-11-20T15:21:03Z","pushed_at":"2026-11-21T15:20:57Z",\
                "git_url":"git://github.com/%1$s.git","ssh_url":"git@github.com:%1$s.git","clone_url":"https://github.com/%1$s.git",\
                "svn_url":"https://github.com/%1$s","homepage":null,"size":0,"stargazers_count":0,"watchers_count":0,\
                "language":"Java","has_issues":true,"has_projects":true,"has_downloads":true,"has_wiki":true,"has_pages":true,\
                "has_discussions":false,"forks_count":0,"mirror_url":null,"archived":false,"disabled":false,"open_issues_count":2,\
                "license":null,"allow_forking":true,"is_template":false,"web_commit_signoff_required":false,"topics":[],\
                "visibility":"public","forks":0,"open_issues":2,"watchers":0,"default_branch":"main"}"""
                .formatted(fullName, name, user(owner, "Organization"), api);
    }

    public static String issue(String repository, int number, String title, String body, List<String> labels, List<String> assignees,
            boolean pullRequest) {
        return issue(repository, number, title, body, labels, assignees, pullRequest, "alice", "OWNER");
    }

    /** An issue written by {@code author}, whose {@code author_association} with the repository is {@code association}. */
    public static String issue(String repository, int number, String title, String body, List<String> labels, List<String> assignees,
            boolean pullRequest, String author, String association) {
        String api = "https://api.github.com/repos/" + repository + "/issues/" + number;
        return """
                {"url":"%1$s","repository_url":"https://api.github.com/repos/%2$s","labels_url":"%1$s/labels{/name}",\
                "comments_url":"%1$s/comments","events_url":"%1$s/events","html_url":"https://github.com/%2$s/issues/%3$d",\
                "id":444500041,"node_id":"MDU6SXNzdWU0NDQ1MDAwNDE=","number":%3$d,"title":"%4$s","user":%5$s,\
                "labels":[%6$s],"state":"open","locked":false,"assignee":%7$s,"assignees":[%8$s],"milestone":null,"comments":0,\
                "created_at":"2026-11-21T15:20:56Z","updated_at":"2026-11-21T15:20:56Z","closed_at":null,\
                "author_association":"%11$s","active_lock_reason":null,%9$s"body":"%10$s",\
                "reactions":{"url":"%1$s/reactions","total_count":0,"+1":0,"-1":0,"laugh":0,"hooray":0,"confused":0,"heart":0,\
                "rocket":0,"eyes":0},"timeline_url":"%1$s/timeline","performed_via_github_app":null,"state_reason":null}"""
                .formatted(api, repository, number, title, user(author, "User"),
                        labels.stream().map(GitHubWebhooks::label).collect(Collectors.joining(",")),
                        assignees.isEmpty() ? "null" : user(assignees.getFirst(), "User"),
                        assignees.stream().map(a -> user(a, "User")).collect(Collectors.joining(",")),
                        pullRequest ? "\"pull_request\":{\"url\":\"https://api.github.com/repos/" + repository + "/pulls/" + number
                                + "\",\"html_url\":\"https://github.com/" + repository + "/pull/" + number + "\",\"merged_at\":null},"
                                : "",
                        body, association);
    }

    /** {@code issues} with this action; {@code extra} is the action's own field (label or assignee), or empty. */
    public static String issues(String action, String repository, int number, String title, List<String> labels, List<String> assignees,
            String extra, String sender, String senderType) {
        return issues(action, issue(repository, number, title, "Steps to reproduce: run it.", labels, assignees, false), repository, extra, sender,
                senderType);
    }

    /** {@code issues} about this issue (from {@link #issue}). */
    public static String issues(String action, String issue, String repository, String extra, String sender, String senderType) {
        return "{\"action\":\"" + action + "\",\"issue\":" + issue
                + extra + ",\"repository\":" + repository(repository) + ",\"sender\":" + user(sender, senderType) + "}";
    }

    public static String labeled(String repository, int number, String title, String label) {
        return issues("labeled", repository, number, title, List.of(label), List.of(), ",\"label\":" + label(label), "alice", "User");
    }

    public static String comment(String repository, int number, long commentId, String body, String author, String association,
            String authorType) {
        String api = "https://api.github.com/repos/" + repository + "/issues/comments/" + commentId;
        return "{\"action\":\"created\",\"issue\":" + issue(repository, number, "Flaky login test", "It fails one run in ten.", List.of(), List.of(), false)
                + ",\"comment\":{\"url\":\"" + api + "\",\"html_url\":\"https://github.com/" + repository + "/issues/" + number
                + "#issuecomment-" + commentId + "\",\"issue_url\":\"https://api.github.com/repos/" + repository + "/issues/" + number
                + "\",\"id\":" + commentId + ",\"node_id\":\"MDEyOklzc3VlQ29tbWVudDQ5MjcwMDQwMA==\",\"user\":" + user(author, authorType)
                + ",\"created_at\":\"2026-11-21T15:21:03Z\",\"updated_at\":\"2026-11-21T15:21:03Z\",\"author_association\":\"" + association
                + "\",\"body\":\"" + body + "\",\"reactions\":{\"url\":\"" + api + "/reactions\",\"total_count\":0},"
                + "\"performed_via_github_app\":null},\"repository\":" + repository(repository) + ",\"sender\":" + user(author, authorType) + "}";
    }

    public static String pullRequest(String action, String repository, int number, String headSha) {
        return pullRequest(action, repository, number, headSha, "alice", "MEMBER");
    }

    /** The pull request as the pulls API lists it, opened by {@code author} with this {@code author_association}. */
    public static String pullRequestItem(String repository, int number, String headSha, String author, String association) {
        String body = pullRequest("opened", repository, number, headSha, author, association);
        return body.substring(body.indexOf("\"pull_request\":") + "\"pull_request\":".length(), body.indexOf(",\"repository\":"));
    }

    /** {@code pull_request}, sent by its author {@code author}, whose {@code author_association} is {@code association}. */
    public static String pullRequest(String action, String repository, int number, String headSha, String author, String association) {
        String api = "https://api.github.com/repos/" + repository + "/pulls/" + number;
        return """
                {"action":"%1$s","number":%3$d,"pull_request":{"url":"%4$s","id":279147437,"node_id":"MDExOlB1bGxSZXF1ZXN0Mjc5MTQ3NDM3",\
                "html_url":"https://github.com/%2$s/pull/%3$d","diff_url":"https://github.com/%2$s/pull/%3$d.diff",\
                "patch_url":"https://github.com/%2$s/pull/%3$d.patch","issue_url":"https://api.github.com/repos/%2$s/issues/%3$d",\
                "number":%3$d,"state":"open","locked":false,"title":"Retry the token refresh once","user":%5$s,\
                "body":"Fixes the flaky login test.","created_at":"2026-11-21T15:20:56Z","updated_at":"2026-11-21T15:20:56Z",\
                "closed_at":null,"merged_at":null,"merge_commit_sha":null,"assignee":null,"assignees":[],"requested_reviewers":[],\
                "requested_teams":[],"labels":[],"milestone":null,"draft":false,"commits_url":"%4$s/commits",\
                "review_comments_url":"%4$s/comments","review_comment_url":"https://api.github.com/repos/%2$s/pulls/comments{/number}",\
                "comments_url":"https://api.github.com/repos/%2$s/issues/%3$d/comments",\
                "statuses_url":"https://api.github.com/repos/%2$s/statuses/%6$s",\
                "head":{"label":"alice:fix-login","ref":"fix-login","sha":"%6$s","user":%5$s,"repo":null},\
                "base":{"label":"acme:main","ref":"main","sha":"9049f1265b7d61be4a8904a9a27120d2064dab3b","user":%5$s,"repo":null},\
                "author_association":"%9$s","auto_merge":null,"active_lock_reason":null,"merged":false,"mergeable":null,\
                "rebaseable":null,"mergeable_state":"unknown","merged_by":null,"comments":0,"review_comments":0,\
                "maintainer_can_modify":false,"commits":1,"additions":3,"deletions":1,"changed_files":1},\
                %7$s"repository":%8$s,"sender":%5$s}"""
                .formatted(action, repository, number, api, user(author, "User"), headSha,
                        action.equals("synchronize") ? "\"before\":\"9049f1265b7d61be4a8904a9a27120d2064dab3b\",\"after\":\"" + headSha + "\"," : "",
                        repository(repository), association);
    }

    /** {@code pull_request_review_comment} created: a comment on a line of the pull request's diff. */
    public static String reviewComment(String repository, int number, long commentId, String body, String author, String association) {
        String pr = pullRequest("opened", repository, number, "9049f1265b7d61be4a8904a9a27120d2064dab3b");
        String pullRequest = pr.substring(pr.indexOf("\"pull_request\":"), pr.indexOf(",\"repository\":"));
        String api = "https://api.github.com/repos/" + repository + "/pulls/comments/" + commentId;
        return "{\"action\":\"created\",\"comment\":{\"url\":\"" + api + "\",\"pull_request_review_id\":42,\"id\":" + commentId
                + ",\"node_id\":\"MDI0OlB1bGxSZXF1ZXN0UmV2aWV3Q29tbWVudDE=\",\"diff_hunk\":\"@@ -1 +1 @@\",\"path\":\"README.md\","
                + "\"commit_id\":\"9049f1265b7d61be4a8904a9a27120d2064dab3b\",\"user\":" + user(author, "User")
                + ",\"body\":\"" + body + "\",\"created_at\":\"2026-11-21T15:21:03Z\",\"updated_at\":\"2026-11-21T15:21:03Z\","
                + "\"html_url\":\"https://github.com/" + repository + "/pull/" + number + "#discussion_r" + commentId + "\","
                + "\"author_association\":\"" + association + "\",\"line\":1,\"side\":\"RIGHT\"}," + pullRequest
                + ",\"repository\":" + repository(repository) + ",\"sender\":" + user(author, "User") + "}";
    }

    public static String push(String repository, String branch, String before, String after, List<String> messages, String sender,
            String senderType) {
        String commits = messages.stream().map(m -> """
                {"id":"%1$s","tree_id":"f9d2a07e9488b91af2641b26b9407fe22a451433","distinct":true,"message":"%2$s",\
                "timestamp":"2026-11-21T15:20:57Z","url":"https://github.com/%3$s/commit/%1$s",\
                "author":{"name":"Alice","email":"alice@example.com","username":"alice"},\
                "committer":{"name":"Alice","email":"alice@example.com","username":"alice"},"added":[],"removed":[],"modified":["README.md"]}"""
                .formatted(after, m, repository)).collect(Collectors.joining(","));
        return """
                {"ref":"refs/heads/%1$s","before":"%2$s","after":"%3$s","repository":%4$s,\
                "pusher":{"name":"%5$s","email":"%5$s@example.com"},"sender":%6$s,"created":false,"deleted":false,"forced":false,\
                "base_ref":null,"compare":"https://github.com/%7$s/compare/%8$s...%9$s","commits":[%10$s],"head_commit":null}"""
                .formatted(branch, before, after, repository(repository), sender, user(sender, senderType), repository,
                        before.substring(0, 12), after.substring(0, 12), commits);
    }

    public static HttpResponse<String> send(String url, String event, String body, String secret, String deliveryId)
            throws IOException, InterruptedException {
        return sendSigned(url, event, body, "sha256=" + HmacSha256.hex(body, secret), deliveryId);
    }

    public static HttpResponse<String> sendSigned(String url, String event, String body, String signature, String deliveryId)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .header("User-Agent", "GitHub-Hookshot/a8c3e2f")
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", deliveryId)
                .header("X-GitHub-Hook-ID", "292430182")
                .header("X-GitHub-Hook-Installation-Target-Type", "repository")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public static String newDeliveryId() {
        return UUID.randomUUID().toString();
    }
}

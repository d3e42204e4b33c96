namespace FlowConnectors.Cli.Tests;

public sealed class ImportPostmanCommandTests
{
    private static string Collection(string name) => Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "collections", name);

    [Fact]
    public async Task Import_postman_writes_a_connector_folder_that_validates_and_passes_its_example_tests()
    {
        using var temp = new TempDir();

        var import = await temp.FlowcAsync("import-postman", Collection("users-bearer.postman_collection.json"), "--out", "acme", "--name", "Acme");

        import.ExitCode.ShouldBe(0, import.ToString());
        import.Stdout.ShouldContain("Imported 'Acme' (key acme) into acme");
        import.Stdout.ShouldContain("GET     /users/{userId}");
        import.Stdout.ShouldContain("new connector, version 1.0.0");
        import.Stderr.ShouldContain("warning: ");
        import.Stderr.ShouldContain("item[0].item[1].request.header[0]: header 'Authorization' removed: the connector's auth applies");
        // 'test' loads the folder with the same deploy validation as 'validate' (exit 2 when invalid).
        var test = await temp.FlowcAsync("test", "acme");
        test.ExitCode.ShouldBe(0, test.ToString());
        test.Stdout.ShouldContain("4 passed, 0 failed");
    }

    [Fact]
    public async Task Reimporting_an_edited_collection_lists_the_added_removed_and_changed_actions()
    {
        using var temp = new TempDir();
        var original = File.ReadAllText(Collection("users-bearer.postman_collection.json"));
        temp.Write("c.json", original);
        (await temp.FlowcAsync("import-postman", "c.json", "--out", "acme")).ExitCode.ShouldBe(0);
        temp.Write("c.json", original.Replace("\"name\": \"Delete user\"", "\"name\": \"Remove user\"").Replace("\"method\": \"POST\"", "\"method\": \"PUT\""));

        var again = await temp.FlowcAsync("import-postman", "c.json", "--out", "acme");

        again.ExitCode.ShouldBe(0, again.ToString());
        // Removing an action breaks automations that use it: a major bump under the catalog's semver rules.
        again.Stdout.ShouldContain("version 1.0.0 → 2.0.0");
        again.Stdout.ShouldContain("+ added   removeUser (Remove user)");
        again.Stdout.ShouldContain("- removed deleteUser (Delete user)");
        again.Stdout.ShouldContain("~ changed createUser (Create user): method POST → PUT");
    }

    [Fact]
    public async Task A_bad_collection_exits_2_naming_the_place_and_writes_nothing()
    {
        using var temp = new TempDir();
        temp.Write("broken.json", """{ "info": { "name": "Broken" """);

        var broken = await temp.FlowcAsync("import-postman", "broken.json", "--out", "out");

        broken.ExitCode.ShouldBe(2, broken.ToString());
        broken.Stderr.Trim().ShouldBe("error: broken.json: $: not valid JSON (line 1, column 30)");
        Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName).ShouldBe(["broken.json"]);
    }
}

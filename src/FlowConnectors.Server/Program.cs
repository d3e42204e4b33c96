using FlowConnectors.Server;
using FlowConnectors.Server.Hosting;

return await StartupFailure.RunAsync(args, async () =>
{
    var app = await ServerApp.BuildAsync(args);
    await app.RunAsync();
});

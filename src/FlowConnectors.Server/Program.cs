using FlowConnectors.Server;

var app = await ServerApp.BuildAsync(args);
await app.RunAsync();

namespace FlowConnectors.Engine.Activities.Events;

/// <summary>Turns a callback token into the URL a vendor posts to; the host knows its public address.</summary>
public interface ICallbackUrls
{
    string UrlFor(string token);
}

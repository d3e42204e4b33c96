namespace FlowConnectors.Http.Activities;

/// <summary>How the <c>body</c> input is encoded on the wire.</summary>
internal enum BodyFormat
{
    /// <summary>application/json.</summary>
    Json,
    /// <summary>text/plain: the body's text.</summary>
    Text,
    /// <summary>application/x-www-form-urlencoded from an object.</summary>
    Form,
    /// <summary>multipart/form-data from an object of text fields and file parts.</summary>
    Multipart,
}

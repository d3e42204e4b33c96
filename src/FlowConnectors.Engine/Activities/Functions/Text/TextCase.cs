namespace FlowConnectors.Engine.Activities.Functions.Text;

internal enum TextCase
{
    Upper,
    Lower,
    Title,
    Camel,
    Snake,
    Kebab,
}

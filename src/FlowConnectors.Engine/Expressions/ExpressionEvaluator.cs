namespace FlowConnectors.Engine.Expressions;

/// <summary>The script and template hosts of one running instance, created on first use.</summary>
internal sealed class ExpressionEvaluator(IExpressionModel model, ScriptLimits limits, CancellationToken cancellationToken) : IDisposable
{
    private ScriptHost? _scripts;
    private TemplateHost? _templates;

    public ScriptHost Scripts => _scripts ??= new ScriptHost(model, limits, cancellationToken);
    public TemplateHost Templates => _templates ??= new TemplateHost(model, limits, cancellationToken);

    public void NodeOutputsChanged(string nodeId)
    {
        _scripts?.NodeOutputsChanged(nodeId);
        _templates?.NodeOutputsChanged(nodeId);
    }

    public void VariableChanged(string name)
    {
        _scripts?.VariableChanged(name);
        _templates?.VariableChanged(name);
    }

    public void Dispose()
    {
        _scripts?.Dispose();
        _templates?.Dispose();
    }
}

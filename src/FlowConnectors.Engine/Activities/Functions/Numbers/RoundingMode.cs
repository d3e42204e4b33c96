namespace FlowConnectors.Engine.Activities.Functions.Numbers;

internal enum RoundingMode
{
    /// <summary>Halves go away from zero: 2.5 → 3, −2.5 → −3.</summary>
    Nearest,
    /// <summary>Toward positive infinity.</summary>
    Up,
    /// <summary>Toward negative infinity.</summary>
    Down,
    /// <summary>Halves go to the even neighbour (banker's rounding): 2.5 → 2, 3.5 → 4.</summary>
    Even,
}

namespace FlowConnectors.Engine.Activities.Functions.Dates;

internal enum DateUnit
{
    Milliseconds,
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
    Years,
}

using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;
using FlowConnectors.Http.Requests;

namespace FlowConnectors.Http.Activities;

[Activity("Http.Paginate", Category = "HTTP", DisplayName = "Paginate HTTP API", SideEffects = SideEffects.Unsafe,
    Description = "Walks a paginated API. Runs the 'page' branch once per page (mode 'pages') or per record (mode 'items'), or gathers every record (mode 'collect'), then continues on 'done'. Stops on an empty page, an empty cursor, no Link rel=\"next\", a false hasMorePath (or a short page when stopOnShortPage says the API honours limit exactly). A body that is not JSON or lacks itemsPath, a cursor or has-more path never found on a full page, a last record without an id, and a repeated cursor or page are errors, never an early end.")]
[Outcomes("page", "done", LoopBody = "page")]
internal sealed class Paginate : Activity, INodeValidator, INodeSideEffects
{
    [Input(Options = ["GET", "POST"])]
    public string Method { get; set; } = "GET";

    [Input(Required = true, Description = "The first page's URL: absolute, or relative to the connection's base URL when useConnection is true.")]
    public string Url { get; set; } = "";

    [Input(Description = "Query parameters sent with every page (the paging parameters are added).", Editor = "json")]
    public JsonObject? Query { get; set; }

    [Input(Description = "Request headers. Never shown in outputs.", Editor = "json")]
    public JsonObject? Headers { get; set; }

    [Input(Description = "JSON body for POST; when it is an object the paging parameters go into it instead of the query.", Editor = "json")]
    public JsonNode? Body { get; set; }

    [Input(Description = "Send through the flow's connection: its base URL, credentials and resilience settings.")]
    public bool UseConnection { get; set; }

    [Input(Description = "How the next page is found.")]
    public PaginationStrategy Strategy { get; set; } = PaginationStrategy.None;

    [Input(Description = "Path of the records in the response body, e.g. 'data' or 'response_metadata.items'; empty when the body itself is the list.")]
    public string ItemsPath { get; set; } = "";

    [Input(Description = "Page size asked for. offsetLimit and pageNumber stop at an empty page (many APIs cap the page size below what is asked), unless stopOnShortPage is set.")]
    public int Limit { get; set; } = 100;

    [Input(Description = "offsetLimit, pageNumber: the API honours limit exactly, so a page with fewer records is the last (saves the request for the empty page).")]
    public bool StopOnShortPage { get; set; }

    [Input(Description = "Path of a record's id, e.g. 'id': a page that starts with the same record as the page before stops paging with an error " +
                          "(an API that ignores the paging parameters). Empty: the whole first record is compared. lastItemId: the last record's " +
                          "id here is the next cursor (empty means 'id').")]
    public string ItemIdPath { get; set; } = "";

    [Input(Description = "lastItemId: path of the boolean that says whether another page follows, e.g. Stripe's 'has_more'. Empty: paging " +
                          "stops at an empty page (or a short one with stopOnShortPage). A path missing from a full page is an error.")]
    public string HasMorePath { get; set; } = "";

    [Input(Description = "For APIs that answer 200 with an error flag (Slack's 'ok'): a page whose value here is not true is an error report, not " +
                          "records; paging ends on 'done' with it as 'page', for the flow to report the API's error.")]
    public string OkPath { get; set; } = "";

    [Input] public string OffsetParameter { get; set; } = "offset";

    [Input(Description = "Sent with offsetLimit, cursor and lastItemId; empty to leave it out.")]
    public string LimitParameter { get; set; } = "limit";

    [Input] public string PageParameter { get; set; } = "page";

    [Input(Description = "Sent with pageNumber; empty to leave it out.")]
    public string PageSizeParameter { get; set; } = "per_page";

    [Input(Description = "Number of the first page (pageNumber).")]
    public int FirstPage { get; set; } = 1;

    [Input(Description = "cursor: where the next cursor is sent; lastItemId: where the last record's id is sent (Stripe's 'starting_after').")]
    public string CursorParameter { get; set; } = "cursor";

    [Input(Description = "Path of the next cursor in the response body, e.g. 'response_metadata.next_cursor'. Required for the cursor strategy. " +
                          "An empty or null cursor ends paging; a path missing from a full page is an error unless an earlier page had it.")]
    public string CursorPath { get; set; } = "";

    [Input(Description = "Guard against an API that never stops: more pages than this fault the node.")]
    public int MaxPages { get; set; } = 1000;

    [Input(Description = "pages: the branch runs per page; items: per record; collect: no branch, every record on 'done'.")]
    public PaginationMode Mode { get; set; } = PaginationMode.Pages;

    [Input(Description = "collect: records kept at most; fetching stops there.")]
    public int MaxItems { get; set; } = 10_000;

    [Input(Description = "pages mode, GET: fetch the next page while the 'page' branch works on this one. One request runs ahead; " +
                          "when the branch fails or the flow stops, that request's answer is not used. A next request that " +
                          "differs from the one sent ahead (inputs changed in the branch) is sent again.")]
    public bool Prefetch { get; set; }

    [Input(Description = "Time limit for each page's request, retries included.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [Input(Description = "Largest page body accepted, in bytes.")]
    public long MaxResponseBytes { get; set; } = HttpLimits.DefaultMaxResponseBytes;

    [Output(Description = "pages: the current page's response body.")]
    public JsonNode? Page { get; private set; }

    [Output(Description = "pages: the current page's records; collect: every record gathered.")]
    public JsonArray? Items { get; private set; }

    [Output(Description = "1-based number of the current page.")]
    public int PageNumber { get; private set; }

    [Output(Description = "items: the current record.")]
    public JsonNode? Item { get; private set; }

    [Output(Description = "items: 0-based position of the current record across all pages.")]
    public int Index { get; private set; }

    [Output(Description = "Pages received so far.")]
    public int Pages { get; private set; }

    [Output(Description = "Records received so far.")]
    public int ItemCount { get; private set; }

    [Output(Description = "collect: true when maxItems cut the result short.")]
    public bool Truncated { get; private set; }

    protected override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        // Wrong inputs fail the same way every time.
        _advice = RetryAdvice.DoNotRetry;
        CheckInputs();
        if (Mode == PaginationMode.Collect) return await CollectAsync(context);

        // NodeState holds the position only (and in items mode the current page's records), never earlier pages.
        if (!context.IsContinuation || context.NodeState is not JsonObject stored)
            context.NodeState = stored = new JsonObject();
        var position = new PagePosition(stored);
        try
        {
            return Mode == PaginationMode.Items ? await NextItemAsync(context, position) : await NextPageAsync(context, position);
        }
        catch
        {
            // A request that failed (transport, timeout, 408, 429, 5xx) left the position at the page it asked for: kept, so
            // an onError retry (or an instance retry) asks for that page again instead of starting over from page 1.
            if (_advice is { ShouldRetry: false }) context.NodeState = null;
            throw;
        }
    }

    private async ValueTask<ActivityResult> NextPageAsync(ActivityContext context, PagePosition position)
    {
        var page = position.More ? await FetchAsync(context, position) : null;
        if (page is null) return Done(context, position);
        position.ItemCount += page.Value.Count;
        Page = page.Value.Body;
        Items = page.Value.Items;
        PageNumber = position.Pages;
        Pages = position.Pages;
        ItemCount = position.ItemCount;
        if (Prefetch && position.More && HttpMethods.Parse(Method, HttpMethods.Paging) == HttpMethod.Get)
            context.TransientState = PrefetchedPage.Start(context, BuildRequest(position));
        return ActivityResult.Outcome("page");
    }

    /// <summary>The next page's request, sent while the loop body runs; kept in memory only (never persisted).</summary>
    private sealed class PrefetchedPage : IDisposable
    {
        private readonly CancellationTokenSource _cancel;
        private readonly Task<HttpResponseData> _response;

        private PrefetchedPage(string key, CancellationTokenSource cancel, Task<HttpResponseData> response)
        {
            Key = key;
            _cancel = cancel;
            _response = response;
        }

        public string Key { get; }

        public static PrefetchedPage Start(ActivityContext context, HttpRequestSpec request)
        {
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            return new PrefetchedPage(KeyOf(request), cancel, HttpRequestSender.SendAsync(context, request, cancel.Token));
        }

        public async Task<HttpResponseData> TakeAsync()
        {
            try { return await _response; }
            finally { _cancel.Dispose(); }
        }

        /// <summary>Not used: the request is cancelled and its outcome observed, so a failure never goes unobserved.</summary>
        public void Dispose()
        {
            _cancel.Cancel();
            _response.ContinueWith(static (task, cancel) => { _ = task.Exception; ((CancellationTokenSource)cancel!).Dispose(); },
                _cancel, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        public static string KeyOf(HttpRequestSpec request) =>
            string.Join('\n', request.Method.Method, request.Url, request.UseConnection, request.SameOriginAs, request.Query?.ToJsonString(),
                request.Headers?.ToJsonString(), request.Body?.ToJsonString());
    }

    /// <summary>The page sent ahead when it is the request this one would send; otherwise it is dropped and null.</summary>
    private static Task<HttpResponseData>? TakePrefetched(ActivityContext context, HttpRequestSpec request)
    {
        if (context.TransientState is not PrefetchedPage prefetched) return null;
        context.TransientState = null;
        if (prefetched.Key == PrefetchedPage.KeyOf(request)) return prefetched.TakeAsync();
        prefetched.Dispose();
        return null;
    }

    private async ValueTask<ActivityResult> NextItemAsync(ActivityContext context, PagePosition position)
    {
        while (true)
        {
            if (position.TryTakeRemaining(out var item))
            {
                Item = item;
                Index = position.ItemCount++;
                PageNumber = position.Pages;
                Pages = position.Pages;
                ItemCount = position.ItemCount;
                return ActivityResult.Outcome("page");
            }
            var page = position.More ? await FetchAsync(context, position) : null;
            if (page is null) return Done(context, position);
            position.SetRemaining(page.Value.Items);
        }
    }

    // The last response, kept for 'done': an empty page may carry an API error (e.g. Slack's ok:false).
    private JsonNode? _lastBody;

    private ActivityResult Done(ActivityContext context, PagePosition position)
    {
        if (_lastBody is not null) Page = _lastBody;
        Pages = position.Pages;
        ItemCount = position.ItemCount;
        PageNumber = position.Pages;
        context.NodeState = null;
        return ActivityResult.Outcome("done");
    }

    private async ValueTask<ActivityResult> CollectAsync(ActivityContext context)
    {
        var position = new PagePosition(new JsonObject());
        var collected = new JsonArray();
        while (position.More && !Truncated)
        {
            var page = await FetchAsync(context, position);
            if (page is null) break;
            foreach (var item in page.Value.Items)
            {
                if (collected.Count == MaxItems)
                {
                    Truncated = true;
                    break;
                }
                collected.Add(item?.DeepClone());
            }
            if (collected.Count == MaxItems && position.More) Truncated = true;
        }
        Items = collected;
        Pages = position.Pages;
        PageNumber = position.Pages;
        ItemCount = collected.Count;
        return ActivityResult.Outcome("done");
    }

    /// <summary>Fetches the next page and moves the position past it; null when the page is empty.</summary>
    private async Task<(JsonNode? Body, JsonArray Items, int Count)?> FetchAsync(ActivityContext context, PagePosition position)
    {
        var number = position.Pages + 1;
        var request = BuildRequest(position);
        _advice = null;
        var response = await (TakePrefetched(context, request) ?? HttpRequestSender.SendAsync(context, request));
        if (response.StatusCode is < 200 or > 299)
        {
            _advice = AdviceFor(response, context.Clock);
            var preview = response.Body is null ? "" : ": " + ResponseReader.Preview(JsonValues.ToText(response.Body));
            throw new ActivityFaultException($"page {number}: HTTP {response.StatusCode} from {response.Host}{preview}");
        }
        _lastBody = response.Body;
        // From here on a fault is about what the API answered (its shape, its cursor): another attempt gets the same answer.
        _advice = RetryAdvice.DoNotRetry;
        if (IsErrorReport(response))
        {
            position.More = false;
            return null;
        }
        var (items, count, first, last) = ItemsOf(response, number);
        if (count == 0)
        {
            position.More = false;
            return null;
        }
        if (number > MaxPages)
            throw new ActivityFaultException($"stopped after {MaxPages} pages (maxPages); the API kept returning data");
        if (Strategy != PaginationStrategy.None && first is { } record)
        {
            var (key, id) = PageGuards.RecordKey(record, RecordIdPath);
            if (position.FirstRecord == key)
                throw new ActivityFaultException($"page {number} starts with the same record as page {number - 1}{(id is null ? "" : $" (id '{id}')")}: " +
                                                 $"the API ignores {PagingParameter()} and would send the same page forever");
            position.FirstRecord = key;
        }
        position.Pages = number;
        position.Origin ??= response.RequestUri.GetLeftPart(UriPartial.Authority);
        Advance(position, response, count, number, last);
        return (response.Body, items, count);
    }

    // What the failure says about another attempt; unset (a transport error or a timeout) is worth one.
    private RetryAdvice? _advice;

    /// <summary>
    /// Under the node's error policy, like Send HTTP Request: transport errors, timeouts, 408, 429 and 5xx are worth another
    /// attempt, any other status is not, and a 429 or 503 with Retry-After sets the wait. A page the API answered but
    /// that cannot be read (no records, a repeated cursor) would be answered the same: not retried.
    /// </summary>
    protected override RetryAdvice AdviseRetry(string? errorOutcome, TimeProvider clock) => _advice ?? RetryAdvice.Retry;

    private static RetryAdvice AdviceFor(HttpResponseData response, TimeProvider clock)
    {
        if (response.StatusCode is not (408 or 429 or >= 500)) return RetryAdvice.DoNotRetry;
        if (response.StatusCode is 429 or 503 && response.Headers["retry-after"] is JsonValue header && header.TryGetValue(out string? text))
            return new RetryAdvice(true, RetryAfter.Parse(text, clock.GetUtcNow()));
        return RetryAdvice.Retry;
    }

    /// <summary>Paging with GET reads only; paging with POST (a search endpoint, usually) may change something: unsafe unless the node says otherwise.</summary>
    public SideEffects? SideEffectsOf(IReadOnlyDictionary<string, JsonNode?> literalInputs, IReadOnlySet<string> expressionInputs, IServiceProvider services)
    {
        if (expressionInputs.Contains("method")) return null;
        var method = literalInputs.TryGetValue("method", out var given) && JsonValues.TryGetString(given, out var m) ? m.ToUpperInvariant() : "GET";
        return method == "GET" ? SideEffects.None : null;
    }

    private HttpRequestSpec BuildRequest(PagePosition position)
    {
        var parameters = new JsonObject();
        switch (Strategy)
        {
            case PaginationStrategy.OffsetLimit:
                parameters[OffsetParameter] = position.Offset;
                if (LimitParameter.Length > 0) parameters[LimitParameter] = Limit;
                break;
            case PaginationStrategy.PageNumber:
                parameters[PageParameter] = FirstPage + position.Pages;
                if (PageSizeParameter.Length > 0) parameters[PageSizeParameter] = Limit;
                break;
            case PaginationStrategy.Cursor:
            case PaginationStrategy.LastItemId:
                if (LimitParameter.Length > 0) parameters[LimitParameter] = Limit;
                if (position.Cursor is { } cursor) parameters[CursorParameter] = cursor;
                break;
            case PaginationStrategy.LinkHeader when position.NextUrl is { } next:
                // The API's next link already carries every parameter; it is followed as given.
                return Spec(next, query: null, Body, sameOriginAs: new Uri(position.Origin!));
        }
        var method = HttpMethods.Parse(Method, HttpMethods.Paging);
        if (method == HttpMethod.Post && Body is JsonObject bodyObject)
        {
            var body = (JsonObject)bodyObject.DeepClone();
            foreach (var (name, value) in parameters) body[name] = value?.DeepClone();
            return Spec(Url, Query, body);
        }
        var query = Query is null ? new JsonObject() : (JsonObject)Query.DeepClone();
        foreach (var (name, value) in parameters) query[name] = value?.DeepClone();
        return Spec(Url, query, Body);
    }

    private HttpRequestSpec Spec(string url, JsonObject? query, JsonNode? body, Uri? sameOriginAs = null) => new()
    {
        SameOriginAs = sameOriginAs,
        Method = HttpMethods.Parse(Method, HttpMethods.Paging),
        Url = url,
        Query = query,
        Headers = Headers,
        Body = body,
        Timeout = Timeout,
        UseConnection = UseConnection,
        MaxResponseBytes = MaxResponseBytes,
    };

    private string PagingParameter() => Strategy switch
    {
        PaginationStrategy.OffsetLimit => $"'{OffsetParameter}'",
        PaginationStrategy.PageNumber => $"'{PageParameter}'",
        PaginationStrategy.Cursor or PaginationStrategy.LastItemId => $"'{CursorParameter}'",
        _ => "the next link",
    };

    private bool IsErrorReport(HttpResponseData response)
    {
        // Only a JSON body can be an API's error report; anything else is an error of its own (ItemsOf).
        if (OkPath.Length == 0 || response.Body is not (JsonObject or JsonArray)) return false;
        var ok = response.BodyElement is { } element
            ? JsonValues.GetPath(element, OkPath) is { ValueKind: System.Text.Json.JsonValueKind.True }
            : JsonValues.GetPath(response.Body, OkPath) is JsonValue v && v.TryGetValue(out bool b) && b;
        return !ok;
    }

    /// <summary>Where a record's id is: <see cref="ItemIdPath"/>, which lastItemId needs and reads as 'id' when empty.</summary>
    private string RecordIdPath => Strategy == PaginationStrategy.LastItemId && ItemIdPath.Trim().Length == 0 ? "id" : ItemIdPath;

    private void Advance(PagePosition position, HttpResponseData response, int received, int number, System.Text.Json.JsonElement? last)
    {
        switch (Strategy)
        {
            case PaginationStrategy.None:
                position.More = false;
                break;
            case PaginationStrategy.OffsetLimit:
                position.Offset += received;
                // "Increments the offset until no records are returned": a short page is the end only for an API that says so.
                position.More = !StopOnShortPage || received >= Limit;
                break;
            case PaginationStrategy.PageNumber:
                position.More = !StopOnShortPage || received >= Limit;
                break;
            case PaginationStrategy.Cursor:
                if (!PageGuards.TryFind(response.Body, CursorPath, out var cursor, out var hint))
                {
                    // No cursor on a full page, and none ever: the path is wrong, not the end.
                    var full = LimitParameter.Length == 0 || received >= Limit;
                    if (full && !position.CursorSeen)
                        throw new ActivityFaultException($"page {number}: the cursor path '{CursorPath}' is not in the response, and the page is full ({received} records): " +
                                                         $"more pages are likely. {hint}");
                    position.Cursor = null;
                    position.More = false;
                    break;
                }
                position.CursorSeen = true;
                var next = JsonValues.IsNull(cursor) || JsonValues.ToText(cursor).Length == 0 ? null : JsonValues.ToText(cursor);
                if (next is not null && next == position.Cursor)
                    throw new ActivityFaultException($"page {number}: the API sent the cursor '{next}' again (cursorPath '{CursorPath}'); it would send the same page forever");
                position.Cursor = next;
                position.More = next is not null;
                break;
            case PaginationStrategy.LastItemId:
                AdvanceAfterLastItem(position, response, received, number, last);
                break;
            case PaginationStrategy.LinkHeader:
                var link = response.Headers["link"] is { } header ? header.GetValue<string>() : null;
                position.NextUrl = LinkHeader.Find(link, "next", response.RequestUri)?.AbsoluteUri;
                position.More = position.NextUrl is not null;
                break;
        }
    }

    /// <summary>
    /// lastItemId: the page after this one starts after its last record, if the response says there is one
    /// (<see cref="HasMorePath"/>) or, without that path, if the page was not empty (or not short, with stopOnShortPage).
    /// </summary>
    private void AdvanceAfterLastItem(PagePosition position, HttpResponseData response, int received, int number, System.Text.Json.JsonElement? last)
    {
        if (HasMorePath.Length > 0)
        {
            if (!PageGuards.TryFind(response.Body, HasMorePath, out var flag, out var hint))
            {
                // Missing on a full page, and never seen: the path is wrong, not the end (as for a cursor path).
                var full = LimitParameter.Length == 0 || received >= Limit;
                if (full && !position.CursorSeen)
                    throw new ActivityFaultException($"page {number}: the has-more path '{HasMorePath}' is not in the response, and the page is full ({received} records): " +
                                                     $"more pages are likely. {hint}");
                position.More = false;
                return;
            }
            position.CursorSeen = true;
            if (flag is not JsonValue value || !value.TryGetValue(out bool more))
                throw new ActivityFaultException($"page {number}: '{HasMorePath}' in the response is {ValueTypes.Describe(flag)}, not true or false");
            if (!more)
            {
                position.More = false;
                return;
            }
        }
        else if (StopOnShortPage && received < Limit)
        {
            position.More = false;
            return;
        }
        var id = last is { } record ? JsonValues.GetPath(record, RecordIdPath) : null;
        var next = id is { ValueKind: System.Text.Json.JsonValueKind.String } s ? s.GetString() :
            id is { ValueKind: System.Text.Json.JsonValueKind.Number } n ? n.GetRawText() : null;
        if (string.IsNullOrEmpty(next))
            throw new ActivityFaultException($"page {number}: the last record has no id at '{RecordIdPath}' (itemIdPath), so the page after it cannot be asked for" +
                                             (id is { } found ? $"; it has {found.ValueKind.ToString().ToLowerInvariant()} there" : "") +
                                             (last is { ValueKind: System.Text.Json.JsonValueKind.Object } o ? $": '{PageGuards.Excerpt(o.GetRawText())}'" : ""));
        if (next == position.Cursor)
            throw new ActivityFaultException($"page {number} ends with the same record as page {number - 1} (id '{next}'): the API ignores '{CursorParameter}' " +
                                             "and would send the same page forever");
        position.Cursor = next;
        position.More = true;
    }

    /// <summary>
    /// The page's records and how many, detached from the body so they can be kept in state or outputs. From
    /// parsed JSON they are a new array over the same parsed text: nothing is copied, and a loop body that only
    /// reads them (Collection.StoreUsers) can read that text directly. Counting is done on the text too, as
    /// counting the array would turn every record into a node.
    /// </summary>
    private (JsonArray Items, int Count, System.Text.Json.JsonElement? First, System.Text.Json.JsonElement? Last) ItemsOf(HttpResponseData response, int number)
    {
        if (response.BodyElement is { } body)
        {
            // An empty path is the body itself; JSON null there is an empty page, a missing path an error.
            if (!PageGuards.TryFind(body, ItemsPath, out var element, out var hint))
                throw NoRecords(response, body.GetRawText(), hint!, number);
            if (element.ValueKind == System.Text.Json.JsonValueKind.Null) return ([], 0, null, null);
            if (element.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                var length = element.GetArrayLength();
                return (PageRecords.Create(element), length, length > 0 ? element[0] : null, length > 0 ? element[length - 1] : null);
            }
            throw NotAList(ResponseReader.NodeOf(element), number);
        }
        if (response.Body is null)
        {
            if (response.StatusCode == 204) return ([], 0, null, null);
            throw new ActivityFaultException($"page {number}: the response (HTTP {response.StatusCode}, {response.ContentType ?? "no content type"}) has no body; " +
                                             $"records were expected {(ItemsPath.Length == 0 ? "as the body" : $"at '{ItemsPath}'")}");
        }
        if (!ResponseReader.IsJson(response.ContentType) && response.Body is JsonValue text && text.TryGetValue(out string? content))
            throw new ActivityFaultException($"page {number}: the response is {response.ContentType ?? "without a content type"}, not JSON, so " +
                                             (ItemsPath.Length == 0 ? "it is not a list of records" : $"it has no records at '{ItemsPath}'") +
                                             $": '{PageGuards.Excerpt(content)}'");
        if (!PageGuards.TryFind(response.Body, ItemsPath, out var records, out var missing))
            throw NoRecords(response, response.Body.ToJsonString(), missing!, number);
        if (JsonValues.IsNull(records)) return ([], 0, null, null);
        if (records is JsonArray array)
            return ((JsonArray)array.DeepClone(), array.Count, array.Count > 0 ? System.Text.Json.JsonSerializer.SerializeToElement(array[0]) : null,
                array.Count > 0 ? System.Text.Json.JsonSerializer.SerializeToElement(array[^1]) : null);
        throw NotAList(records, number);
    }

    private ActivityFaultException NoRecords(HttpResponseData response, string text, string hint, int number)
    {
        // "the response has: a, b" reads better as "it has: a, b" after "the response has no 'x'".
        var where = hint.StartsWith("the response has", StringComparison.Ordinal) ? "it" + hint["the response".Length..] : hint;
        return new ActivityFaultException($"page {number}: the response ({response.ContentType ?? "no content type"}) has no '{ItemsPath}'; {where}: '{PageGuards.Excerpt(text)}'");
    }

    private ActivityFaultException NotAList(JsonNode? records, int number) =>
        new(ItemsPath.Length == 0
            ? $"page {number}: the response body is {ValueTypes.Describe(records)}, not a list; set itemsPath to where the records are"
            : $"page {number}: '{ItemsPath}' in the response is {ValueTypes.Describe(records)}, not a list");

    private void CheckInputs()
    {
        if (Strategy == PaginationStrategy.Cursor && string.IsNullOrWhiteSpace(CursorPath))
            throw new ActivityFaultException("the cursor strategy needs cursorPath (where the next cursor is in the response)");
        if (Limit < 1) throw new ActivityFaultException($"limit must be at least 1 but is {Limit}");
        if (MaxPages < 1) throw new ActivityFaultException($"maxPages must be at least 1 but is {MaxPages}");
        if (MaxItems < 1) throw new ActivityFaultException($"maxItems must be at least 1 but is {MaxItems}");
    }

    public void Validate(NodeValidationContext context)
    {
        // method: the engine already checks a literal against the input's options.
        UrlRules.Validate(context);
        if (context.TryGetLiteral("strategy", out var strategy) && JsonValues.TryGetString(strategy, out var s) &&
            s.Equals(nameof(PaginationStrategy.Cursor), StringComparison.OrdinalIgnoreCase))
        {
            var hasPath = context.Node.Inputs.ContainsKey("cursorPath") &&
                          (!context.TryGetLiteral("cursorPath", out var path) || JsonValues.ToText(path).Trim().Length > 0);
            if (!hasPath)
                context.AddError("MISSING_CURSOR_PATH", "cursorPath", "the cursor strategy needs cursorPath (where the next cursor is in the response, e.g. 'response_metadata.next_cursor')");
        }
    }
}

"""The type of a value that goes into JSON unchanged, for signatures that store or send it."""

JSONValue = str | int | float | bool | None | list["JSONValue"] | dict[str, "JSONValue"]
JSONObject = dict[str, JSONValue]

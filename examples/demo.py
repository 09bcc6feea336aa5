"""A small module with two holes for `npm run demo` (diffucode fill examples/demo.py)."""


def mean(values):
    """Arithmetic mean of a non-empty list of numbers."""
    total = 0
    for v in values:
        <|mask:12|>
    return total / len(values)


def is_palindrome(text):
    """True when text reads the same forwards and backwards, ignoring case."""
    cleaned = text.lower()
    return <|mask|>


if __name__ == "__main__":
    print(mean([1, 2, 3, 4]))
    print(is_palindrome("Level"))

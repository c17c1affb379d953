"""The ``instantiation`` analysis: public classes of the packages that no test instantiates."""

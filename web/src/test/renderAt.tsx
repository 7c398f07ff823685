/* A memory router for page tests, exposing where it is now. */
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";

let currentLocation = { pathname: "", search: "" };

function LocationProbe() {
  const location = useLocation();
  currentLocation = { pathname: location.pathname, search: location.search };
  return null;
}

/** Where the router is now (search string includes the "?"). */
export function location() {
  return currentLocation;
}

/** Render `element` at `url`, matched by `route`, inside a memory router. */
export function renderAt(element: ReactElement, url: string, route = "*") {
  return render(
    <MemoryRouter initialEntries={[url]}>
      <LocationProbe />
      <Routes>
        <Route path={route} element={element} />
        <Route path="*" element={<p>elsewhere</p>} />
      </Routes>
    </MemoryRouter>,
  );
}

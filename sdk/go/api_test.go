package expacti

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The public API, pinned: adding or removing a name is a decision, made here on purpose.
var publicAPI = []string{
	"Approved", "AuthenticationError", "AuthenticationError.Error", "AuthenticationError.Unwrap",
	"Cancelled", "Client", "Client.Close", "Client.Connect", "Client.EndSession", "Client.Run",
	"CommandDeniedError", "CommandDeniedError.Error", "ConnectionError", "ConnectionError.Error",
	"ConnectionError.Unwrap", "Decision", "DecisionState", "Denied", "Error", "InvalidArgumentError",
	"InvalidArgumentError.Error", "New", "Options", "Progress", "ProtocolError", "ProtocolError.Error",
	"RunOption", "Session", "Session.At", "SessionCompleted", "SessionFailed", "SessionStatus",
	"TimedOut", "TimeoutError", "TimeoutError.Error", "TimeoutError.Unwrap", "Version", "WithContext",
	"WithProgress", "WithSession", "WithTarget", "WithTimeout",
}

func TestThePublicAPIIsPinned(t *testing.T) {
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv == nil {
					names = append(names, d.Name.Name)
					continue
				}
				receiver := d.Recv.List[0].Type
				if star, ok := receiver.(*ast.StarExpr); ok {
					receiver = star.X
				}
				if ident := receiver.(*ast.Ident); ident.IsExported() {
					names = append(names, ident.Name+"."+d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names = append(names, s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, name := range s.Names {
							if name.IsExported() {
								names = append(names, name.Name)
							}
						}
					}
				}
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, publicAPI) {
		t.Fatalf("the public API is\n%q\npinned:\n%q", names, publicAPI)
	}
}
